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

    /// <summary>
    /// Times two workloads in alternating blocks, so load from other processes falls on both alike (on a shared
    /// machine separate runs can see different load). Returns both measurements and the per-pair ratio a/b
    /// (median, p10, p90) of adjacent blocks.
    /// </summary>
    public static (Measurement A, Measurement B, double Ratio, double RatioP10, double RatioP90) Compare(
        string nameA, Action callA, string nameB, Action callB, double seconds = 2.0, int warmup = 50)
    {
        for (int i = 0; i < warmup; i++) { callA(); callB(); }
        int ka = CallsPerBlock(callA), kb = CallsPerBlock(callB);
        var a = new List<double>();
        var b = new List<double>();
        var ratios = new List<double>();
        var total = Stopwatch.StartNew();
        while (a.Count < 15 || total.Elapsed.TotalSeconds < 2 * seconds)
        {
            a.Add(TimeBlock(callA, ka));
            b.Add(TimeBlock(callB, kb));
            ratios.Add(a[^1] / b[^1]);
        }
        a.Sort();
        b.Sort();
        ratios.Sort();
        return (new Measurement(nameA, Percentile(a, 0.5), Percentile(a, 0.1), Percentile(a, 0.9), a.Count, ka),
                new Measurement(nameB, Percentile(b, 0.5), Percentile(b, 0.1), Percentile(b, 0.9), b.Count, kb),
                Percentile(ratios, 0.5), Percentile(ratios, 0.1), Percentile(ratios, 0.9));
    }

    private static int CallsPerBlock(Action call)
    {
        var watch = Stopwatch.StartNew();
        int probe = 0;
        while (watch.Elapsed.TotalMilliseconds < 20) { call(); probe++; }
        return Math.Max(1, (int)(5.0 / (watch.Elapsed.TotalMilliseconds / probe)));
    }

    private static double TimeBlock(Action call, int k)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < k; i++) call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / k;
    }

    private static double Percentile(List<double> sorted, double q)
    {
        double index = q * (sorted.Count - 1);
        int low = (int)Math.Floor(index), high = (int)Math.Ceiling(index);
        return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
    }
}
