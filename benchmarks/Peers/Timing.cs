using System.Diagnostics;

namespace Peers;

/// <summary>One round of one contender: the median per-call time of its samples and the foreign load meanwhile.</summary>
public readonly record struct Round(double MedianMs, double ForeignCores, int Samples, int CallsPerSample);

/// <summary>
/// One side of a comparison (ModelGen, TorchSharp or ONNX Runtime): a call to time, and its rounds so far.
/// Timing follows ../shared/peers: warm-up first, then samples of k back-to-back calls with k chosen so a sample
/// takes about 5 ms; a round's figure is the median per-call time over its samples.
/// </summary>
public sealed class Contender(string name, Action call)
{
    private const double SampleTargetMs = 5.0;
    private int _callsPerSample;

    /// <summary>ModelGen, TorchSharp or ONNX Runtime.</summary>
    public string Name { get; } = name;

    /// <summary>The rounds measured so far, in order.</summary>
    public List<Round> Rounds { get; } = [];

    /// <summary>Median over rounds of the round medians (ms per call).</summary>
    public double MedianMs => Stats.Median(Rounds.Select(r => r.MedianMs));

    /// <summary>Fastest round median.</summary>
    public double MinMs => Rounds.Min(r => r.MedianMs);

    /// <summary>Slowest round median.</summary>
    public double MaxMs => Rounds.Max(r => r.MedianMs);

    /// <summary>Most foreign cores seen during any of its rounds.</summary>
    public double MaxForeignCores => Rounds.Count == 0 ? 0 : Rounds.Max(r => r.ForeignCores);

    /// <summary>Runs one round of about roundSeconds. The first round warms up for warmSeconds (at least 5 calls).</summary>
    public void MeasureRound(double roundSeconds, double warmSeconds)
    {
        if (_callsPerSample == 0)
        {
            var warm = Stopwatch.StartNew();
            int calls = 0;
            while (calls < 5 || warm.Elapsed.TotalSeconds < warmSeconds) { call(); calls++; }
            // The second half of the warm-up estimates the per-call time, after the JIT's first tiers.
            var probe = Stopwatch.StartNew();
            int probeCalls = 0;
            while (probeCalls < 3 || probe.Elapsed.TotalMilliseconds < 20) { call(); probeCalls++; }
            double perCall = probe.Elapsed.TotalMilliseconds / probeCalls;
            _callsPerSample = Math.Max(1, (int)Math.Round(SampleTargetMs / perCall));
        }
        else
        {
            // The other side ran in between and evicted the caches: re-warm a little (about 2 samples' worth).
            for (int i = 0; i < Math.Max(2, 2 * _callsPerSample); i++) call();
        }

        var samples = new List<double>();
        MachineLoad.Mark m0 = MachineLoad.Now();
        var round = Stopwatch.StartNew();
        while (samples.Count < 3 || round.Elapsed.TotalSeconds < roundSeconds)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < _callsPerSample; i++) call();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / _callsPerSample);
        }
        double foreign = MachineLoad.ForeignCores(m0, MachineLoad.Now());
        Rounds.Add(new Round(Stats.Median(samples), foreign, samples.Count, _callsPerSample));
    }
}

/// <summary>Order statistics.</summary>
public static class Stats
{
    /// <summary>The median (mean of the two middle values for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        double[] v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }
}
