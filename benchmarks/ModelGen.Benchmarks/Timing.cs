using System.Diagnostics;

namespace ModelGen.Benchmarks;

/// <summary>A timed workload's result: per-call milliseconds over blocks, after warm-up.</summary>
public sealed record Measurement(string Name, double MedianMs, double P10Ms, double P90Ms, int Blocks, int CallsPerBlock)
{
    /// <summary>(p90 - p10) / median.</summary>
    public double Spread => (P90Ms - P10Ms) / MedianMs;
}

/// <summary>
/// Times a workload the way ../shared/peers does: warm-up, then blocks of k back-to-back calls with k chosen so a
/// block takes about 5 ms, at least 15 blocks over about 2 s; the median of the per-call block times is reported.
/// </summary>
public static class Timing
{
    public static Measurement Measure(string name, Action call, double seconds = 2.0, int warmup = 50)
    {
        for (int i = 0; i < warmup; i++) call();
        var watch = Stopwatch.StartNew();
        int probe = 0;
        while (watch.Elapsed.TotalMilliseconds < 20) { call(); probe++; }
        double perCall = watch.Elapsed.TotalMilliseconds / probe;
        int k = Math.Max(1, (int)(5.0 / perCall));
        var blocks = new List<double>();
        var total = Stopwatch.StartNew();
        while (blocks.Count < 15 || total.Elapsed.TotalSeconds < seconds)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < k; i++) call();
            blocks.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / k);
        }
        blocks.Sort();
        return new Measurement(name, Percentile(blocks, 0.5), Percentile(blocks, 0.1), Percentile(blocks, 0.9), blocks.Count, k);
    }

    private static double Percentile(List<double> sorted, double q)
    {
        double index = q * (sorted.Count - 1);
        int low = (int)Math.Floor(index), high = (int)Math.Ceiling(index);
        return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
    }
}
