namespace ModelGen;

/// <summary>
/// A fully connected layer: y = x · Weightᵀ + Bias over the last axis, as PyTorch's <c>nn.Linear</c>.
/// </summary>
public sealed class Linear : ILayer
{
    /// <summary>Creates the layer and initialises it from <see cref="Rng.Default"/>, as PyTorch does from its global generator.</summary>
    /// <param name="inFeatures">The size of the input's last axis.</param>
    /// <param name="outFeatures">The size of the output's last axis.</param>
    /// <param name="bias">Whether to add a learned bias.</param>
    /// <exception cref="ArgumentOutOfRangeException">A feature count is not positive.</exception>
    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Tensor.Zeros(outFeatures, inFeatures);
        Weight.RequiresGrad = true;
        if (bias)
        {
            Bias = Tensor.Zeros(outFeatures);
            Bias.RequiresGrad = true;
        }
        // The shared generator is not thread-safe; layers built on several threads take turns.
        lock (Rng.Default) ResetParameters(Rng.Default);
    }

    /// <summary>The size of the input's last axis.</summary>
    public int InFeatures { get; }

    /// <summary>The size of the output's last axis.</summary>
    public int OutFeatures { get; }

    /// <summary>The weight, [OutFeatures, InFeatures].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [OutFeatures], or null when the layer was created without one.</summary>
    public Tensor? Bias { get; }

    /// <summary>
    /// Applies the layer to x of shape [..., InFeatures] (any rank ≥ 1), giving [..., OutFeatures]; the
    /// leading axes are flattened into the rows of one matrix product.
    /// </summary>
    /// <exception cref="ArgumentException">x is a scalar or its last axis is not InFeatures long.</exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0 || x.Size(-1) != InFeatures)
        {
            throw new ArgumentException(
                $"Linear({InFeatures} -> {OutFeatures}) expects an input whose last dimension is {InFeatures}, " +
                $"but got shape {Tensor.FormatShape(x.ShapeSpan)}" +
                (x.Rank == 0 ? " (a scalar)." : $" (last dimension {x.Size(-1)})."), nameof(x));
        }
        return Ops.Linear(x, Weight, Bias);
    }

    /// <summary>
    /// PyTorch's default initialisation: Weight then Bias drawn from U(−1/√InFeatures, 1/√InFeatures)
    /// (the bound that <c>kaiming_uniform_(a=√5)</c> works out to for the weight).
    /// </summary>
    public void ResetParameters(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        float bound = 1f / MathF.Sqrt(InFeatures);
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
    public override string ToString() => $"Linear(in: {InFeatures}, out: {OutFeatures}, bias: {Bias is not null})";
}
