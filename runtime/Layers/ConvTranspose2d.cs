using ModelGen.Kernels;

namespace ModelGen;

/// <summary>
/// A 2-D transposed convolution over [N, C, H, W] inputs, as PyTorch's <c>nn.ConvTranspose2d</c> with square
/// kernels, strides, padding, output padding and dilation: the gradient of a <see cref="Conv2d"/> with respect to
/// its input, used to upsample (a stride of 2 doubles the height and width).
/// </summary>
public sealed class ConvTranspose2d : ILayer
{
    /// <summary>Creates the layer and initialises it from <see cref="Rng.Default"/>, as PyTorch does from its global generator.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernelSize">Height and width of the kernel.</param>
    /// <param name="stride">Step between the output positions of neighbouring input pixels.</param>
    /// <param name="padding">Rows and columns removed from every side of the full output (dilation·(kernelSize − 1) − padding
    /// zeros on the matching Conv2d's input).</param>
    /// <param name="outputPadding">Rows and columns added at the bottom and right of the output, to pick among the
    /// sizes a strided Conv2d maps to the same size; smaller than stride or dilation.</param>
    /// <param name="groups">Independent channel groups.</param>
    /// <param name="bias">Whether to add a learned bias per output channel.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A size is not positive, a padding is negative, a channel count is not divisible by groups, or outputPadding
    /// is not smaller than either stride or dilation.
    /// </exception>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0,
        int outputPadding = 0, int groups = 1, bool bias = true, int dilation = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfNegative(outputPadding);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups,
                $"ConvTranspose2d needs inChannels ({inChannels}) and outChannels ({outChannels}) divisible by groups ({groups}).");
        }
        if (outputPadding >= stride && outputPadding >= dilation)
        {
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding,
                $"ConvTranspose2d needs outputPadding ({outputPadding}) smaller than either stride ({stride}) or dilation ({dilation}).");
        }
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        OutputPadding = outputPadding;
        Groups = groups;
        Dilation = dilation;
        Weight = Tensor.Zeros(inChannels, outChannels / groups, kernelSize, kernelSize);
        Weight.RequiresGrad = true;
        if (bias)
        {
            Bias = Tensor.Zeros(outChannels);
            Bias.RequiresGrad = true;
        }
        // The shared generator is not thread-safe; layers built on several threads take turns.
        lock (Rng.Default) ResetParameters(Rng.Default);
    }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>Height and width of the kernel.</summary>
    public int KernelSize { get; }

    /// <summary>Step between the output positions of neighbouring input pixels, in both directions.</summary>
    public int Stride { get; }

    /// <summary>Rows and columns removed from every side of the full output.</summary>
    public int Padding { get; }

    /// <summary>Rows and columns added at the bottom and right of the output.</summary>
    public int OutputPadding { get; }

    /// <summary>Independent channel groups.</summary>
    public int Groups { get; }

    /// <summary>Spacing between kernel taps (1: adjacent).</summary>
    public int Dilation { get; }

    /// <summary>The weight, [InChannels, OutChannels / Groups, KernelSize, KernelSize] (PyTorch's layout for this layer).</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [OutChannels], or null when the layer was created without one.</summary>
    public Tensor? Bias { get; }

    /// <summary>
    /// Applies the transposed convolution to x [N, InChannels, H, W], giving [N, OutChannels, OutH, OutW] with
    /// OutH = (H − 1)·Stride − 2·Padding + Dilation·(KernelSize − 1) + OutputPadding + 1 (OutW likewise).
    /// </summary>
    /// <exception cref="ArgumentException">x is not 4-D, has other than InChannels channels, or the output would be empty.</exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4 || x.Size(1) != InChannels)
        {
            throw new ArgumentException(
                $"{this} expects an input of shape [N, {InChannels}, H, W], but got shape {Tensor.FormatShape(x.ShapeSpan)}.",
                nameof(x));
        }
        return Ops.ConvTranspose2d(x, Weight, Bias, Geometry(x.Size(2), x.Size(3)));
    }

    /// <summary>The kernels' geometry for an input of the given height and width.</summary>
    /// <exception cref="ArgumentException">The output would be empty.</exception>
    internal ConvTranspose2dGeometry Geometry(int inHeight, int inWidth) => new(InChannels, inHeight, inWidth, OutChannels,
        KernelSize, KernelSize, Stride, Stride, Padding, Padding, OutputPadding, OutputPadding, Dilation, Dilation, Groups);

    /// <summary>
    /// PyTorch's default initialisation: Weight then Bias drawn from U(−1/√fanIn, 1/√fanIn) with
    /// fanIn = OutChannels / Groups · KernelSize², which is what <c>_calculate_fan_in_and_fan_out</c> reads from
    /// weight.size(1) for this layout.
    /// </summary>
    public void ResetParameters(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        float bound = 1f / MathF.Sqrt(OutChannels / Groups * KernelSize * KernelSize);
        rng.FillUniform(Weight, -bound, bound);
        if (Bias is not null) rng.FillUniform(Bias, -bound, bound);
    }

    /// <summary>"weight", then "bias" when present.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters()
    {
        yield return ("weight", Weight);
        if (Bias is not null) yield return ("bias", Bias);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"ConvTranspose2d(in: {InChannels}, out: {OutChannels}, kernel: {KernelSize}, stride: {Stride}, padding: {Padding}, " +
        $"outputPadding: {OutputPadding}, groups: {Groups}, bias: {Bias is not null}, dilation: {Dilation})";
}
