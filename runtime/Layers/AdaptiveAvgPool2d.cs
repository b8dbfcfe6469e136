namespace ModelGen;

/// <summary>
/// Adaptive 2-D average pooling over [N, C, H, W] inputs to a fixed [N, C, outputSize, outputSize], as PyTorch's
/// <c>nn.AdaptiveAvgPool2d(outputSize)</c>: output row i averages input rows floor(i·H/out) … ceil((i+1)·H/out) − 1,
/// and columns likewise. Works for any input size, including one smaller than the output. It has no parameters.
/// </summary>
public sealed class AdaptiveAvgPool2d : ILayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="outputSize">Height and width of each output image.</param>
    /// <exception cref="ArgumentOutOfRangeException">outputSize is not positive.</exception>
    public AdaptiveAvgPool2d(int outputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        OutputSize = outputSize;
    }

    /// <summary>Height and width of each output image.</summary>
    public int OutputSize { get; }

    /// <summary>Pools x [N, C, H, W] to [N, C, OutputSize, OutputSize].</summary>
    /// <exception cref="ArgumentException">x is not 4-D or an image is empty.</exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Ops.AdaptiveAvgPool2d(x, OutputSize);
    }

    /// <summary>Does nothing: the layer has no parameters.</summary>
    public void ResetParameters(Rng rng) => ArgumentNullException.ThrowIfNull(rng);

    /// <summary>None: the layer has no parameters.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters() => [];

    /// <inheritdoc/>
    public override string ToString() => $"AdaptiveAvgPool2d(outputSize: {OutputSize})";
}
