namespace ModelGen;

/// <summary>
/// Layer normalisation over the last axis, as PyTorch's <c>nn.LayerNorm(normalized_shape)</c> with one normalized
/// dimension: each row of x [..., NormalizedShape] is normalised by its own mean and biased variance, then scaled by
/// <see cref="Weight"/> and shifted by <see cref="Bias"/>. Unlike batch norm it has no running statistics and acts the
/// same in training and inference.
/// </summary>
public sealed class LayerNorm : ILayer
{
    /// <summary>Creates the layer with γ = 1 and β = 0.</summary>
    /// <param name="normalizedShape">The size of the last axis, over which each row is normalised.</param>
    /// <param name="eps">ε added to the variance.</param>
    /// <param name="elementwiseAffine">Whether to learn a per-feature scale (weight) and shift (bias).</param>
    /// <exception cref="ArgumentOutOfRangeException">normalizedShape or eps is not positive.</exception>
    public LayerNorm(int normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(normalizedShape);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eps);
        NormalizedShape = normalizedShape;
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = Tensor.Zeros(normalizedShape);
            Weight.RequiresGrad = true;
            Bias = Tensor.Zeros(normalizedShape);
            Bias.RequiresGrad = true;
        }
        ResetParameters(Rng.Default);
    }

    /// <summary>The size of the last axis.</summary>
    public int NormalizedShape { get; }

    /// <summary>ε added to the variance.</summary>
    public float Eps { get; }

    /// <summary>Whether the layer has <see cref="Weight"/> and <see cref="Bias"/>.</summary>
    public bool ElementwiseAffine => Weight is not null;

    /// <summary>γ, the learned scale [NormalizedShape] (initially 1), or null without affine parameters.</summary>
    public Tensor? Weight { get; }

    /// <summary>β, the learned shift [NormalizedShape] (initially 0), or null without affine parameters.</summary>
    public Tensor? Bias { get; }

    /// <summary>Normalises x [..., NormalizedShape] (rank ≥ 1) row by row; the result has x's shape.</summary>
    /// <exception cref="ArgumentException">x is a scalar or its last axis is not NormalizedShape long.</exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank == 0 || x.Size(-1) != NormalizedShape)
            throw new ArgumentException($"{this} expects an input whose last dimension is {NormalizedShape}, but got shape {Tensor.FormatShape(x.ShapeSpan)}.", nameof(x));
        return Ops.LayerNorm(x, this);
    }

    /// <summary>γ = 1 and β = 0, as PyTorch's reset_parameters; draws nothing from <paramref name="rng"/>.</summary>
    public void ResetParameters(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (Weight is null || Bias is null) return;
        if (Weight.DType == DType.Float32)
        {
            Weight.AsSpan().Fill(1f);
            Bias.AsSpan().Clear();
        }
        else
        {
            Weight.AsSpanFloat64().Fill(1d);
            Bias.AsSpanFloat64().Clear();
        }
    }

    /// <summary>"weight" then "bias" with affine parameters, nothing without.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters()
    {
        if (Weight is not null) yield return ("weight", Weight);
        if (Bias is not null) yield return ("bias", Bias);
    }

    /// <inheritdoc/>
    public override string ToString() => $"LayerNorm({NormalizedShape}, eps: {Eps}, elementwiseAffine: {ElementwiseAffine})";
}
