using ModelGen.Kernels;

namespace ModelGen;

/// <summary>
/// A 2-D convolution over [N, C, H, W] inputs, as PyTorch's <c>nn.Conv2d</c> with square kernels, strides,
/// padding (zeros) and dilation.
/// </summary>
public sealed class Conv2d : ILayer
{
    /// <summary>Creates the layer and initialises it from <see cref="Rng.Default"/>, as PyTorch does from its global generator.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels of the output.</param>
    /// <param name="kernelSize">Height and width of the kernel.</param>
    /// <param name="stride">Step between neighbouring windows.</param>
    /// <param name="padding">Zeros added on every side of the input.</param>
    /// <param name="dilation">Spacing between kernel taps.</param>
    /// <param name="groups">Independent channel groups: 1 connects every input channel to every output channel,
    /// inChannels gives a depthwise convolution.</param>
    /// <param name="bias">Whether to add a learned bias per output channel.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A size is not positive, the padding is negative, or a channel count is not divisible by groups.
    /// </exception>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dilation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups,
                $"Conv2d needs inChannels ({inChannels}) and outChannels ({outChannels}) divisible by groups ({groups}).");
        }
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        Weight = Tensor.Zeros(outChannels, inChannels / groups, kernelSize, kernelSize);
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

    /// <summary>Step between neighbouring windows, in both directions.</summary>
    public int Stride { get; }

    /// <summary>Zeros added on every side of the input.</summary>
    public int Padding { get; }

    /// <summary>Spacing between kernel taps (1: adjacent).</summary>
    public int Dilation { get; }

    /// <summary>Independent channel groups.</summary>
    public int Groups { get; }

    /// <summary>The weight, [OutChannels, InChannels / Groups, KernelSize, KernelSize].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [OutChannels], or null when the layer was created without one.</summary>
    public Tensor? Bias { get; }

    /// <summary>Applies the convolution to x [N, InChannels, H, W], giving [N, OutChannels, OutH, OutW].</summary>
    /// <exception cref="ArgumentException">
    /// x is not 4-D, has other than InChannels channels, or is too small for the kernel.
    /// </exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4 || x.Size(1) != InChannels)
        {
            throw new ArgumentException(
                $"{this} expects an input of shape [N, {InChannels}, H, W], but got shape {Tensor.FormatShape(x.ShapeSpan)}.",
                nameof(x));
        }
        return Ops.Conv2d(x, Weight, Bias, Geometry(x.Size(2), x.Size(3)));
    }

    /// <summary>The kernels' geometry for an input of the given height and width.</summary>
    /// <exception cref="ArgumentException">The input is too small for the kernel.</exception>
    internal Conv2dGeometry Geometry(int inHeight, int inWidth) => new(InChannels, inHeight, inWidth, OutChannels,
        KernelSize, KernelSize, Stride, Stride, Padding, Padding, Dilation, Dilation, Groups);

    /// <summary>
    /// PyTorch's default initialisation: Weight then Bias drawn from U(−1/√fanIn, 1/√fanIn) with
    /// fanIn = InChannels / Groups · KernelSize² (the bound <c>kaiming_uniform_(a=√5)</c> works out to for the weight).
    /// </summary>
    public void ResetParameters(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        float bound = 1f / MathF.Sqrt(InChannels / Groups * KernelSize * KernelSize);
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
        $"Conv2d(in: {InChannels}, out: {OutChannels}, kernel: {KernelSize}, stride: {Stride}, padding: {Padding}, " +
        $"dilation: {Dilation}, groups: {Groups}, bias: {Bias is not null})";
}
