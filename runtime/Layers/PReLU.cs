namespace ModelGen;

/// <summary>
/// Parametric ReLU, as PyTorch's <c>nn.PReLU</c>: y = x where x &gt; 0, else a·x with a learned slope a, either one
/// shared slope or one per channel (axis 1 of the input). The backward keeps the input and the slopes.
/// </summary>
public sealed class PReLU : ILayer
{
    /// <summary>Creates the layer with every slope set to <paramref name="init"/>.</summary>
    /// <param name="numParameters">1 for one shared slope, or the number of channels (axis 1) for one slope each.</param>
    /// <param name="init">The initial slope, 0.25 as PyTorch.</param>
    /// <exception cref="ArgumentOutOfRangeException">numParameters is not positive.</exception>
    public PReLU(int numParameters = 1, float init = 0.25f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numParameters);
        NumParameters = numParameters;
        Init = init;
        Weight = Tensor.Zeros(numParameters);
        Weight.RequiresGrad = true;
        Weight.AsSpan().Fill(init);
    }

    /// <summary>The number of slopes: 1, or the channel count.</summary>
    public int NumParameters { get; }

    /// <summary>The value every slope starts from.</summary>
    public float Init { get; }

    /// <summary>The slopes, [NumParameters].</summary>
    public Tensor Weight { get; }

    /// <summary>Applies the layer to x of any rank ≥ 1 (rank ≥ 2 with axis 1 of NumParameters when there are several slopes).</summary>
    /// <exception cref="ArgumentException">There are several slopes and axis 1 of x is not NumParameters long.</exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (NumParameters != 1 && (x.Rank < 2 || x.Size(1) != NumParameters))
        {
            throw new ArgumentException(
                $"{this} expects an input whose axis 1 has {NumParameters} channels, but got shape {Tensor.FormatShape(x.ShapeSpan)}.", nameof(x));
        }
        return Ops.PRelu(x, Weight);
    }

    /// <summary>Sets every slope back to <see cref="Init"/> (PyTorch's initialisation is this constant; nothing is drawn).</summary>
    public void ResetParameters(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (Weight.DType == DType.Float32) Weight.AsSpan().Fill(Init);
        else Weight.AsSpanFloat64().Fill(Init);
    }

    /// <summary>"weight".</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters()
    {
        yield return ("weight", Weight);
    }

    /// <inheritdoc/>
    public override string ToString() => $"PReLU(num_parameters: {NumParameters})";
}
