namespace ModelGen.Data;

/// <summary>
/// Batches of a <see cref="Dataset"/> as tensors, in a seeded order per epoch. The two tensors it yields are the
/// same objects every batch, refilled in place (the last batch may be smaller), so an epoch allocates nothing
/// per batch: copy a batch if you need to keep it.
/// </summary>
public sealed class DataLoader
{
    private readonly Dataset _data;
    private readonly BatchSampler _sampler;
    private readonly Tensor _features;
    private readonly Tensor _labels;

    /// <summary>
    /// Creates a loader over <paramref name="data"/>. Each sample's features have shape <paramref name="sampleShape"/>
    /// (for example [1, 28, 28] for a convolutional network), or are one flat vector when it is null.
    /// </summary>
    public DataLoader(Dataset data, int batchSize, bool shuffle, int seed = 0, bool dropLast = false, int[]? sampleShape = null)
    {
        sampleShape ??= new[] { data.FeatureCount };
        long sampleSize = 1;
        foreach (int dim in sampleShape) sampleSize *= dim;
        if (sampleSize != data.FeatureCount)
            throw new ArgumentException($"A sample shape of [{string.Join(", ", sampleShape)}] holds {sampleSize} values, but each sample has {data.FeatureCount} features.", nameof(sampleShape));
        _data = data;
        _sampler = new BatchSampler(data.Count, batchSize, shuffle, seed, dropLast);
        _features = Tensor.CreateBuffer(DType.Float32, batchSize * data.FeatureCount, [batchSize, .. sampleShape]);
        _labels = Tensor.CreateBuffer(DType.Int32, batchSize, batchSize);
    }

    /// <summary>How many batches one epoch has.</summary>
    public int BatchesPerEpoch => _sampler.BatchesPerEpoch;

    /// <summary>The batches of epoch <paramref name="epoch"/>: features [n, ...sample shape] and Int32 labels [n].</summary>
    public IEnumerable<(Tensor Features, Tensor Labels)> Epoch(int epoch)
    {
        var batches = _sampler.GetEpoch(epoch);
        for (int b = 0; b < batches.Count; b++)
        {
            ReadOnlyMemory<int> indices = batches[b];
            _features.SetLeadingDim(indices.Length);
            _labels.SetLeadingDim(indices.Length);
            _data.CopyBatch(indices.Span, _features.AsSpan(), _labels.AsSpanInt32());
            yield return (_features, _labels);
        }
    }
}
