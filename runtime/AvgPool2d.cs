using ModelGen.Kernels;

namespace ModelGen;

/// <summary>
/// 2-D average pooling over [N, C, H, W] inputs with square windows: the mean of each window, padding counted
/// as zeros in the divisor too (PyTorch's <c>nn.AvgPool2d</c> defaults: count_include_pad=True, floor mode).
/// It has no parameters.
/// </summary>
public sealed class AvgPool2d : ILayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Height and width of the window.</param>
    /// <param name="stride">Step between neighbouring windows; 0 (the default) means kernelSize, as in PyTorch.</param>
    /// <param name="padding">Cells added on every side of the input; at most kernelSize / 2.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// kernelSize is not positive, stride is negative, or padding is negative or more than kernelSize / 2.
    /// </exception>
    public AvgPool2d(int kernelSize, int stride = 0, int padding = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegative(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (padding > kernelSize / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding,
                $"AvgPool2d padding must be at most half the kernel size ({kernelSize} / 2 = {kernelSize / 2}).");
        }
        KernelSize = kernelSize;
        Stride = stride == 0 ? kernelSize : stride;
        Padding = padding;
    }

    /// <summary>Height and width of the window.</summary>
    public int KernelSize { get; }

    /// <summary>Step between neighbouring windows (kernelSize when the constructor was given 0).</summary>
    public int Stride { get; }

    /// <summary>Cells added on every side of the input.</summary>
    public int Padding { get; }

    /// <summary>Pools x [N, C, H, W], giving [N, C, OutH, OutW] with OutH = (H + 2·Padding − KernelSize) / Stride + 1.</summary>
    /// <exception cref="ArgumentException">x is not 4-D or is smaller than the window.</exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4)
        {
            throw new ArgumentException(
                $"{this} expects an input of shape [N, C, H, W], but got shape {Tensor.FormatShape(x.ShapeSpan)}.", nameof(x));
        }
        return Ops.AvgPool2d(x, Geometry(x.Size(1), x.Size(2), x.Size(3)));
    }

    /// <summary>The kernels' geometry for an input of the given channels, height and width.</summary>
    internal Pool2dGeometry Geometry(int channels, int inHeight, int inWidth) =>
        new(channels, inHeight, inWidth, KernelSize, KernelSize, Stride, Stride, Padding, Padding);

    /// <summary>Does nothing: the layer has no parameters.</summary>
    public void ResetParameters(Rng rng) => ArgumentNullException.ThrowIfNull(rng);

    /// <summary>None: the layer has no parameters.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters() => [];

    /// <inheritdoc/>
    public override string ToString() => $"AvgPool2d(kernel: {KernelSize}, stride: {Stride}, padding: {Padding})";
}
