namespace ModelGen.Data;

/// <summary>
/// Draws sample indices with probability proportional to per-sample weights, as PyTorch's
/// <c>WeightedRandomSampler(weights, num_samples, replacement=True)</c>: each epoch is
/// <see cref="SampleCount"/> independent draws with replacement. With <see cref="ClassBalancedWeights"/> every
/// class is drawn equally often in expectation, however rare it is in the data. The draws of epoch <c>e</c> depend
/// only on the seed and <c>e</c>. Hand it to <see cref="DataLoader"/> to batch it.
/// </summary>
public sealed class WeightedRandomSampler
{
    private readonly double[] _cumulative;
    private readonly int[] _draws;
    private readonly int _seed;

    /// <summary>
    /// A sampler over <c>weights.Length</c> samples drawing <paramref name="sampleCount"/> indices per epoch.
    /// Weights need not sum to 1; they must be finite, non-negative and not all zero.
    /// </summary>
    /// <exception cref="ArgumentException">A weight is negative or not finite, or every weight is zero.</exception>
    public WeightedRandomSampler(IReadOnlyList<double> weights, int sampleCount, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleCount, 1);
        _cumulative = new double[weights.Count];
        double total = 0;
        for (int i = 0; i < weights.Count; i++)
        {
            double w = weights[i];
            if (!(w >= 0) || double.IsInfinity(w)) throw new ArgumentException($"Weight {i} is {w}; weights must be finite and non-negative.", nameof(weights));
            total += w;
            _cumulative[i] = total;
        }
        if (!(total > 0)) throw new ArgumentException("At least one weight must be positive.", nameof(weights));
        Weights = weights.ToArray();
        SampleCount = sampleCount;
        _draws = new int[sampleCount];
        _seed = seed;
    }

    /// <summary>The weight of every sample, as given.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>How many indices an epoch draws (PyTorch's <c>num_samples</c>).</summary>
    public int SampleCount { get; }

    /// <summary>
    /// Weights inverse to class frequency: sample <c>i</c> gets 1 / (number of samples of class <c>labels[i]</c>),
    /// so each class's weights sum to 1 and the classes are drawn equally often.
    /// </summary>
    public static double[] ClassBalancedWeights(ReadOnlySpan<int> labels, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        var counts = new int[classCount];
        foreach (int label in labels)
        {
            if ((uint)label >= (uint)classCount) throw new ArgumentException($"Label {label} is outside [0, {classCount}).", nameof(labels));
            counts[label]++;
        }
        var weights = new double[labels.Length];
        for (int i = 0; i < labels.Length; i++) weights[i] = 1.0 / counts[labels[i]];
        return weights;
    }

    /// <summary>
    /// The draws of epoch <paramref name="epoch"/>, in a buffer the sampler owns and refills on the next call:
    /// each index is the first whose cumulative weight exceeds a uniform draw in [0, total).
    /// </summary>
    public int[] GetEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var rng = new Rng(((ulong)(uint)_seed << 32) ^ (ulong)(uint)epoch ^ 0x5A17E5A3C0FFEEUL);
        double total = _cumulative[^1];
        for (int k = 0; k < _draws.Length; k++)
        {
            double u = rng.NextDouble() * total;
            int index = Array.BinarySearch(_cumulative, u);
            // BinarySearch gives the complement of the first larger element when u is not present; when it is
            // present, the draw belongs to the next sample with positive weight.
            index = index >= 0 ? index + 1 : ~index;
            while (index < _cumulative.Length - 1 && _cumulative[index] <= u) index++;
            _draws[k] = Math.Min(index, _cumulative.Length - 1);
        }
        return _draws;
    }
}
