namespace ModelGen;

/// <summary>
/// A lookup table of learned vectors, as PyTorch's <c>nn.Embedding</c>: <c>Forward(ids)</c> takes Int32 ids of any
/// shape and gives <c>[..., EmbeddingDim]</c>, row <c>ids[i]</c> of <see cref="Weight"/> for each id. The row of
/// <see cref="PaddingIdx"/>, if set, starts at zero and receives no gradient.
/// </summary>
public sealed class Embedding : ILayer
{
    /// <summary>Creates the table and initialises it from <see cref="Rng.Default"/>.</summary>
    /// <param name="numEmbeddings">The number of rows (ids 0 to numEmbeddings − 1).</param>
    /// <param name="embeddingDim">The length of each vector.</param>
    /// <param name="paddingIdx">An id whose vector stays zero and untrained (padding), or null; negative values count from the end, as in PyTorch.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or paddingIdx is outside the table.</exception>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingDim);
        if (paddingIdx is int p && (p >= numEmbeddings || p < -numEmbeddings))
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), p, $"paddingIdx must be within the table of {numEmbeddings} rows.");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is int q && q < 0 ? q + numEmbeddings : paddingIdx;
        Weight = Tensor.Zeros(numEmbeddings, embeddingDim);
        Weight.RequiresGrad = true;
        lock (Rng.Default) ResetParameters(Rng.Default);
    }

    /// <summary>The number of rows of the table.</summary>
    public int NumEmbeddings { get; }

    /// <summary>The length of each vector.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The padding id (non-negative), or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>The table, [NumEmbeddings, EmbeddingDim].</summary>
    public Tensor Weight { get; }

    /// <summary>Looks up each id: Int32 ids of shape [...] give [..., EmbeddingDim].</summary>
    /// <exception cref="ArgumentException">ids are not Int32, or an id is outside [0, NumEmbeddings).</exception>
    public Tensor Forward(Tensor ids) => Ops.Embedding(ids, Weight, PaddingIdx ?? -1);

    /// <summary>PyTorch's default initialisation: every entry from N(0, 1), then the padding row set to zero.</summary>
    public void ResetParameters(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int length = Weight.Length, dim = EmbeddingDim;
        if (Weight.DType == DType.Float32)
        {
            Span<float> w = Weight.AsSpan();
            for (int i = 0; i < length; i++) w[i] = rng.Normal(0f, 1f);
            if (PaddingIdx is int p) w.Slice(p * dim, dim).Clear();
        }
        else
        {
            Span<double> w = Weight.AsSpanFloat64();
            for (int i = 0; i < length; i++) w[i] = rng.Normal(0f, 1f);
            if (PaddingIdx is int p) w.Slice(p * dim, dim).Clear();
        }
    }

    /// <summary>"weight".</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters()
    {
        yield return ("weight", Weight);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Embedding({NumEmbeddings}, {EmbeddingDim}" + (PaddingIdx is int p ? $", padding_idx: {p})" : ")");
}
