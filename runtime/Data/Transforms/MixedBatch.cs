namespace ModelGen.Data.Transforms;

/// <summary>
/// A batch mixed by <see cref="Mixup"/> or <see cref="CutMix"/>: each input is λ parts its own sample and 1 − λ
/// parts the sample whose label is in <see cref="LabelsB"/>, so the loss is
/// λ·CE(logits, <see cref="LabelsA"/>) + (1 − λ)·CE(logits, <see cref="LabelsB"/>)
/// (<see cref="Training.EagerLosses.MixedCrossEntropy(Tensor, MixedBatch)"/>).
/// </summary>
/// <param name="Features">The mixed inputs (the batch tensor, changed in place).</param>
/// <param name="LabelsA">The labels of the samples themselves (the batch's label tensor).</param>
/// <param name="LabelsB">The labels of the samples mixed in, Int32 [N].</param>
/// <param name="Lambda">The weight of <see cref="LabelsA"/>, in [0, 1].</param>
public sealed record MixedBatch(Tensor Features, Tensor LabelsA, Tensor LabelsB, double Lambda);

/// <summary>The draws mixing needs: Beta(α, α) from two gammas, and a random permutation.</summary>
internal static class MixSampling
{
    /// <summary>X / (X + Y) with X, Y ~ Gamma(α): a draw from Beta(α, α).</summary>
    public static double Beta(Rng rng, double alpha)
    {
        double x = Gamma(rng, alpha), y = Gamma(rng, alpha);
        return x + y > 0 ? x / (x + y) : 0.5;
    }

    /// <summary>
    /// Gamma(shape, 1) by Marsaglia and Tsang (2000); for shape &lt; 1, Gamma(shape + 1)·U^(1/shape).
    /// </summary>
    public static double Gamma(Rng rng, double shape)
    {
        if (shape < 1) return Gamma(rng, shape + 1) * Math.Pow(1.0 - rng.NextDouble(), 1.0 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z = StandardNormal(rng), v = 1 + c * z;
            if (v <= 0) continue;
            v = v * v * v;
            double u = 1.0 - rng.NextDouble();
            if (Math.Log(u) < 0.5 * z * z + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    /// <summary>A uniformly random permutation of 0 … n − 1 (Fisher–Yates).</summary>
    public static int[] Permutation(Rng rng, int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The labels of the samples mixed in: labels[perm[i]], as a new Int32 [N] tensor.</summary>
    public static Tensor PermutedLabels(Tensor labels, int[] permutation)
    {
        ReadOnlySpan<int> source = labels.AsReadOnlySpanInt32();
        var permuted = new int[permutation.Length];
        for (int i = 0; i < permuted.Length; i++) permuted[i] = source[permutation[i]];
        return Tensor.FromArray(permuted, permuted.Length);
    }

    private static double StandardNormal(Rng rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
