using ModelGen.Kernels;

namespace ModelGen;

/// <summary>
/// What the 2-D pooling layers share: square windows over [N, C, H, W], a stride (0 means the kernel size, as
/// in PyTorch), padding of at most half the kernel, floor mode, and no parameters.
/// </summary>
public abstract class Pool2d : ILayer
{
    /// <summary>Validates and stores the window.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// kernelSize is not positive, stride is negative, or padding is negative or more than kernelSize / 2.
    /// </exception>
    protected Pool2d(int kernelSize, int stride, int padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegative(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (padding > kernelSize / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding,
                $"{GetType().Name} padding must be at most half the kernel size ({kernelSize} / 2 = {kernelSize / 2}).");
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
        return Pool(x, Geometry(x.Size(1), x.Size(2), x.Size(3)));
    }

    /// <summary>The eager pooling op of this layer.</summary>
    private protected abstract Tensor Pool(Tensor x, in Pool2dGeometry geometry);

    /// <summary>The kernels' geometry for an input of the given channels, height and width.</summary>
    internal Pool2dGeometry Geometry(int channels, int inHeight, int inWidth) =>
        new(channels, inHeight, inWidth, KernelSize, KernelSize, Stride, Stride, Padding, Padding);

    /// <summary>Does nothing: the layer has no parameters.</summary>
    public void ResetParameters(Rng rng) => ArgumentNullException.ThrowIfNull(rng);

    /// <summary>None: the layer has no parameters.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters() => [];

    /// <inheritdoc/>
    public override string ToString() => $"{GetType().Name}(kernel: {KernelSize}, stride: {Stride}, padding: {Padding})";
}

/// <summary>
/// 2-D max pooling over [N, C, H, W] inputs with square windows: the maximum of each window, padding counted
/// as −∞, as PyTorch's <c>nn.MaxPool2d</c> (floor mode). The gradient goes to each window's first maximal
/// element. It has no parameters.
/// </summary>
public sealed class MaxPool2d : Pool2d
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Height and width of the window.</param>
    /// <param name="stride">Step between neighbouring windows; 0 (the default) means kernelSize, as in PyTorch.</param>
    /// <param name="padding">Cells added on every side of the input; at most kernelSize / 2.</param>
    public MaxPool2d(int kernelSize, int stride = 0, int padding = 0) : base(kernelSize, stride, padding)
    {
    }

    private protected override Tensor Pool(Tensor x, in Pool2dGeometry geometry) => Ops.MaxPool2d(x, geometry);
}

/// <summary>
/// 2-D average pooling over [N, C, H, W] inputs with square windows: the mean of each window, padding counted
/// as zeros in the divisor too (PyTorch's <c>nn.AvgPool2d</c> defaults: count_include_pad=True, floor mode).
/// It has no parameters.
/// </summary>
public sealed class AvgPool2d : Pool2d
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Height and width of the window.</param>
    /// <param name="stride">Step between neighbouring windows; 0 (the default) means kernelSize, as in PyTorch.</param>
    /// <param name="padding">Cells added on every side of the input; at most kernelSize / 2.</param>
    public AvgPool2d(int kernelSize, int stride = 0, int padding = 0) : base(kernelSize, stride, padding)
    {
    }

    private protected override Tensor Pool(Tensor x, in Pool2dGeometry geometry) => Ops.AvgPool2d(x, geometry);
}
