namespace ModelGen.Data;

/// <summary>
/// Batches of a <see cref="Dataset"/> as tensors, in a seeded order per epoch. The two tensors it yields are the
/// same objects every batch, refilled in place (the last batch may be smaller), so an epoch allocates nothing
/// per batch: copy a batch if you need to keep it.
/// </summary>
public sealed class DataLoader
{
    private readonly Dataset _data;
    private readonly Func<int, BatchSampler.EpochBatches> _epochBatches;
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
        var sampler = new BatchSampler(data.Count, batchSize, shuffle, seed, dropLast);
        _epochBatches = sampler.GetEpoch;
        BatchSize = batchSize;
        BatchesPerEpoch = sampler.BatchesPerEpoch;
        _features = Tensor.CreateBuffer(DType.Float32, batchSize * data.FeatureCount, [batchSize, .. sampleShape]);
        _labels = Tensor.CreateBuffer(DType.Int32, batchSize, batchSize);
    }

    /// <summary>
    /// Creates a loader whose epochs are the draws of <paramref name="sampler"/> (PyTorch's
    /// <c>DataLoader(data, batch_size, sampler=WeightedRandomSampler(...))</c>), cut into batches of
    /// <paramref name="batchSize"/>. Sample shapes as in the other constructor.
    /// </summary>
    public DataLoader(Dataset data, int batchSize, WeightedRandomSampler sampler, bool dropLast = false, int[]? sampleShape = null)
        : this(data, batchSize, shuffle: false, seed: 0, dropLast, sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        if (sampler.Weights.Count != data.Count)
            throw new ArgumentException($"The sampler has {sampler.Weights.Count} weights for {data.Count} samples.", nameof(sampler));
        int batches = dropLast ? sampler.SampleCount / batchSize : (sampler.SampleCount + batchSize - 1) / batchSize;
        BatchesPerEpoch = batches;
        _epochBatches = epoch => new BatchSampler.EpochBatches(sampler.GetEpoch(epoch), batchSize, batches);
    }

    /// <summary>How many batches one epoch has.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The size of every batch but possibly the last.</summary>
    public int BatchSize { get; }

    /// <summary>The batches of epoch <paramref name="epoch"/>: features [n, ...sample shape] and Int32 labels [n].</summary>
    public IEnumerable<(Tensor Features, Tensor Labels)> Epoch(int epoch)
    {
        var batches = _epochBatches(epoch);
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
