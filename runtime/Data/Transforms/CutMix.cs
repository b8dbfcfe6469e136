namespace ModelGen.Data.Transforms;

/// <summary>
/// CutMix (Yun et al. 2019), as the authors' code: λ ~ Beta(α, α) and a permutation π once per batch; a box of
/// side ratio √(1 − λ) centred on a uniformly random pixel (clipped to the image) is pasted from image π(i) into
/// image i, and λ is then set to the exact unpasted fraction, 1 − box area / image area.
/// </summary>
public sealed class CutMix
{
    private readonly Rng _rng;

    /// <summary>Mixes with λ ~ Beta(<paramref name="alpha"/>, <paramref name="alpha"/>) (the paper uses 1).</summary>
    public CutMix(double alpha = 1.0, int seed = 0)
    {
        if (!(alpha > 0) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be finite and positive.");
        Alpha = alpha;
        _rng = new Rng(seed);
    }

    /// <summary>The Beta distribution's parameter.</summary>
    public double Alpha { get; }

    /// <summary>The box of the last <see cref="Apply"/>: rows [Top, Top + Height), columns [Left, Left + Width).</summary>
    public (int Top, int Left, int Height, int Width) LastBox { get; private set; }

    /// <summary>Pastes boxes into <paramref name="features"/> in place and returns the mixed batch with both label sets and λ.</summary>
    public MixedBatch Apply(Tensor features, Tensor labels)
    {
        var layout = ImageBatch.Of(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.DType != DType.Int32 || labels.Length != layout.Count) throw new ArgumentException($"CutMix needs Int32 labels [{layout.Count}].", nameof(labels));
        double sampled = MixSampling.Beta(_rng, Alpha);
        int[] permutation = MixSampling.Permutation(_rng, layout.Count);
        double cutRatio = Math.Sqrt(1 - sampled);
        int cutW = (int)(layout.Width * cutRatio), cutH = (int)(layout.Height * cutRatio);
        int cx = _rng.NextInt(layout.Width), cy = _rng.NextInt(layout.Height);
        int x1 = Math.Clamp(cx - cutW / 2, 0, layout.Width), x2 = Math.Clamp(cx + cutW / 2, 0, layout.Width);
        int y1 = Math.Clamp(cy - cutH / 2, 0, layout.Height), y2 = Math.Clamp(cy + cutH / 2, 0, layout.Height);
        LastBox = (y1, x1, y2 - y1, x2 - x1);

        Span<float> data = features.AsSpan();
        float[] original = data.ToArray();
        for (int i = 0; i < layout.Count; i++)
        {
            int from = permutation[i] * layout.ImageSize, to = i * layout.ImageSize;
            for (int c = 0; c < layout.Channels; c++)
                for (int y = y1; y < y2; y++)
                {
                    int offset = (c * layout.Height + y) * layout.Width + x1;
                    original.AsSpan(from + offset, x2 - x1).CopyTo(data.Slice(to + offset, x2 - x1));
                }
        }
        features.MarkModified();
        double lambda = 1 - (double)(x2 - x1) * (y2 - y1) / layout.PlaneSize;
        return new MixedBatch(features, labels, MixSampling.PermutedLabels(labels, permutation), lambda);
    }
}
