namespace Peers;

/// <summary>
/// A goal from the issue: ModelGen at least MinSpeedup times as fast as the named peer (peer time / ModelGen time).
/// "No slower" is 1.0; "90% of libtorch's GFLOP/s" is 0.9.
/// </summary>
public sealed record Target(string Peer, double MinSpeedup, string Text);

/// <summary>
/// One workload at one thread count: ModelGen and its peers, measured in alternating rounds (ModelGen, TorchSharp,
/// ONNX Runtime, ModelGen, ...) so that a change in the machine's load hits every side alike.
/// </summary>
public sealed class Comparison(string section, string workload, int threads, double flopPerCall, IReadOnlyList<Contender> contenders)
{
    /// <summary>Training step, Inference or GEMM.</summary>
    public string Section { get; } = section;

    /// <summary>Model and batch, or GEMM size.</summary>
    public string Workload { get; } = workload;

    /// <summary>Threads every side may use.</summary>
    public int Threads { get; } = threads;

    /// <summary>Multiply-add FLOPs of one call (2 per multiply-add); 0 when not reported.</summary>
    public double FlopPerCall { get; } = flopPerCall;

    /// <summary>ModelGen first, then the peers.</summary>
    public IReadOnlyList<Contender> Contenders { get; } = contenders;

    /// <summary>The goal this row is judged against, if any.</summary>
    public Target? Target { get; init; }

    /// <summary>What the run checked before timing (outputs or losses agreeing), or why a check failed.</summary>
    public string Check { get; set; } = "";

    /// <summary>True when the sides did not compute the same thing: the row is reported but not judged.</summary>
    public bool Mismatch { get; set; }

    /// <summary>ModelGen's side.</summary>
    public Contender ModelGen => Contenders[0];

    /// <summary>True when some round ran while other processes kept at least <see cref="MachineLoad.NoisyCores"/> busy.</summary>
    public bool Noisy => Contenders.Any(c => c.MaxForeignCores >= MachineLoad.NoisyCores);

    /// <summary>Peer median time / ModelGen median time: above 1 means ModelGen is faster.</summary>
    public double Speedup(Contender peer) => peer.MedianMs / ModelGen.MedianMs;

    /// <summary>The range of the per-round ratios (each round's peer time over the ModelGen time measured next to it).</summary>
    public (double Min, double Max) PairedSpeedupRange(Contender peer)
    {
        int n = Math.Min(peer.Rounds.Count, ModelGen.Rounds.Count);
        var ratios = Enumerable.Range(0, n).Select(i => peer.Rounds[i].MedianMs / ModelGen.Rounds[i].MedianMs).ToList();
        return (ratios.Min(), ratios.Max());
    }

    /// <summary>Runs one round of every side, in order.</summary>
    public void MeasureRound(double roundSeconds, double warmSeconds)
    {
        foreach (Contender c in Contenders) c.MeasureRound(roundSeconds, warmSeconds);
    }
}

/// <summary>Launch-to-first-training-step timings of one program, each from a fresh process.</summary>
public sealed class ColdStartSeries(string name, string how)
{
    /// <summary>ModelGen (JIT), TorchSharp, ModelGen NativeAOT, ...</summary>
    public string Name { get; } = name;

    /// <summary>How the process was started (binary and mode).</summary>
    public string How { get; } = how;

    /// <summary>One entry per launch.</summary>
    public List<ColdStartLaunch> Launches { get; } = [];

    /// <summary>Median launch-to-first-step time in ms.</summary>
    public double MedianMs => Stats.Median(Launches.Select(l => l.FirstStepMs));

    /// <summary>Median peak resident memory (VmHWM at the first step) in MiB.</summary>
    public double MedianPeakMiB => Stats.Median(Launches.Select(l => l.PeakKb / 1024.0));

    /// <summary>Whether any launch ran while other processes kept at least <see cref="MachineLoad.NoisyCores"/> busy.</summary>
    public bool Noisy => Launches.Any(l => l.ForeignCores >= MachineLoad.NoisyCores);
}

/// <summary>One fresh process: parent timestamp before start to the child's report of its first finished step.</summary>
public readonly record struct ColdStartLaunch(double FirstStepMs, long PeakKb, double ForeignCores, float Loss);
