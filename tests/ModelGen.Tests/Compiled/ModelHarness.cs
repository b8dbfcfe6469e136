namespace ModelGen.Tests.Compiled;

/// <summary>Random data and comparisons shared by the compiled-model tests.</summary>
internal static class ModelHarness
{
    public static Tensor RandomInput(int batch, int features, int seed) => RandomInput(batch, [features], seed);

    /// <summary>Uniform values in [-1, 1) of shape [batch, ...sample].</summary>
    public static Tensor RandomInput(int batch, int[] sample, int seed)
    {
        var rng = new System.Random(seed);
        var values = new float[batch * sample.Aggregate(1, (product, d) => product * d)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromArray(values, [batch, .. sample]);
    }

    public static Tensor RandomLabels(int batch, int classes, int seed)
    {
        var rng = new System.Random(seed);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.Next(classes);
        return Tensor.FromArray(labels, batch);
    }

    /// <summary>max_i |a_i - b_i| / max(|b_i|, floor): relative error, with tiny reference values judged at the floor.</summary>
    public static double MaxRelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<double> reference, double floor)
    {
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
            worst = Math.Max(worst, Math.Abs(actual[i] - reference[i]) / Math.Max(Math.Abs(reference[i]), floor));
        return worst;
    }

    public static double MaxRelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference, double floor)
    {
        var wide = new double[reference.Length];
        for (int i = 0; i < wide.Length; i++) wide[i] = reference[i];
        return MaxRelativeError(actual, wide, floor);
    }

    public static double MaxAbs(ReadOnlySpan<float> values)
    {
        double max = 0;
        foreach (float v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }
}
