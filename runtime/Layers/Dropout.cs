using ModelGen.Kernels;

namespace ModelGen;

/// <summary>
/// Inverted dropout, as PyTorch's <c>nn.Dropout</c>: while <see cref="Training"/>, each element is zeroed with
/// probability <see cref="P"/> and the rest are scaled by 1/(1 − p), so evaluation is the identity. The masks
/// come from the layer's own generator, reseeded by the model's <c>Initialize(seed)</c>, so runs are
/// reproducible; eager and compiled training draw from it in the same order.
/// </summary>
public sealed class Dropout : ILayer, ITrainingMode
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing an element, in [0, 1].</param>
    public Dropout(float p = 0.5f)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability has to be between 0 and 1.");
        P = p;
        lock (Rng.Default) Generator = new Rng(Rng.Default.NextUInt64());
    }

    /// <summary>The probability of zeroing an element.</summary>
    public float P { get; }

    /// <summary>The generator the masks are drawn from.</summary>
    public Rng Generator { get; private set; }

    /// <inheritdoc/>
    public bool Training { get; set; } = true;

    /// <summary>x itself when evaluating (or p = 0); otherwise x times a fresh mask.</summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!Training || P == 0) return x;
        Tensor mask = Tensor.Zeros(x.DType, x.Shape);
        if (mask.DType == DType.Float32) Normalization.DropoutMask<float>(Generator, mask.AsSpan(), P);
        else Normalization.DropoutMask<double>(Generator, mask.AsSpanFloat64(), P);
        return x * mask;
    }

    /// <summary>Reseeds the mask generator from <paramref name="rng"/>.</summary>
    public void ResetParameters(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        Generator = new Rng(rng.NextUInt64());
    }

    /// <summary>None: dropout has no parameters.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters() => [];

    /// <inheritdoc/>
    public override string ToString() => $"Dropout(p: {P})";
}
