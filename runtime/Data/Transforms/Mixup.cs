namespace ModelGen.Data.Transforms;

/// <summary>
/// mixup (Zhang et al. 2018): λ ~ Beta(α, α) once per batch and a random permutation π of the batch; input i
/// becomes λ·xᵢ + (1 − λ)·x_π(i), and its targets are (yᵢ, y_π(i)) weighted λ and 1 − λ. Works on any float32
/// batch shape.
/// </summary>
public sealed class Mixup
{
    private readonly Rng _rng;

    /// <summary>Mixes with λ ~ Beta(<paramref name="alpha"/>, <paramref name="alpha"/>) (the paper uses 0.2 to 0.4 on ImageNet, 1 on CIFAR).</summary>
    public Mixup(double alpha = 1.0, int seed = 0)
    {
        if (!(alpha > 0) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be finite and positive.");
        Alpha = alpha;
        _rng = new Rng(seed);
    }

    /// <summary>The Beta distribution's parameter.</summary>
    public double Alpha { get; }

    /// <summary>Mixes <paramref name="features"/> in place and returns the mixed batch with both label sets and λ.</summary>
    public MixedBatch Apply(Tensor features, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.DType != DType.Float32 || features.Rank < 2) throw new ArgumentException("Mixup needs float32 features [N, ...].", nameof(features));
        int n = features.Size(0);
        if (labels.DType != DType.Int32 || labels.Length != n) throw new ArgumentException($"Mixup needs Int32 labels [{n}].", nameof(labels));
        double lambda = MixSampling.Beta(_rng, Alpha);
        int[] permutation = MixSampling.Permutation(_rng, n);
        Span<float> data = features.AsSpan();
        float[] original = data.ToArray();
        int size = features.Length / n;
        float a = (float)lambda, b = (float)(1 - lambda);
        for (int i = 0; i < n; i++)
        {
            Span<float> target = data.Slice(i * size, size);
            ReadOnlySpan<float> mine = original.AsSpan(i * size, size), other = original.AsSpan(permutation[i] * size, size);
            for (int k = 0; k < size; k++) target[k] = a * mine[k] + b * other[k];
        }
        features.MarkModified();
        return new MixedBatch(features, labels, MixSampling.PermutedLabels(labels, permutation), lambda);
    }
}
