using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

// The project sets InvariantGlobalization, so interpolated numbers are culture-invariant.

namespace Peers;

/// <summary>How a run was made, for the report's header.</summary>
public sealed record RunInfo(string Command, DateTime StartedUtc, TimeSpan Duration, int Rounds, double RoundSeconds,
    string PeerVersions, string Notes);

/// <summary>Writes the markdown report: machine, method, the targets with pass/fail, every row, cold start.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The whole report as markdown.</summary>
    public static string Markdown(RunInfo run, IReadOnlyList<Comparison> rows, IReadOnlyList<ColdStartSeries> cold,
        Target? coldTarget)
    {
        var md = new StringBuilder();
        md.AppendLine("# ModelGen side by side with TorchSharp and ONNX Runtime (CPU, float32)");
        md.AppendLine();
        md.AppendLine($"Written by `{run.Command}` on {run.StartedUtc:yyyy-MM-dd HH:mm} UTC; the run took {run.Duration.TotalMinutes:F1} min.");
        md.AppendLine();
        md.AppendLine($"* Machine: {CpuModel()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; " +
                           $"Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}, AVX2 {(Vector256.IsHardwareAccelerated ? "accelerated" : "not accelerated")}.");
        md.AppendLine($"* Peers: {run.PeerVersions}.");
        md.AppendLine($"* Method: every row alternates the sides in {run.Rounds} rounds (ModelGen, TorchSharp, [ONNX Runtime], ModelGen, ...), about " +
                           $"{run.RoundSeconds:F2} s per side per round, after a warm-up. A round's figure is the median over samples of k back-to-back calls " +
                           "(k chosen so a sample takes about 5 ms). The table gives the median of the round figures and their min-max; the speed-up is " +
                           "peer median / ModelGen median, with the range of the per-round ratios (each round's sides ran next to each other).");
        md.AppendLine($"* Threads: ModelGen `Gemm.MaxThreads`, TorchSharp `torch.set_num_threads`, ONNX Runtime `IntraOpNumThreads`.");
        md.AppendLine($"* Load: before each round the harness waits (bounded) until other processes use < {MachineLoad.QuietCores} cores, and it records the cores " +
                           $"other processes used while each side ran. Rows marked ⚠ had ≥ {MachineLoad.NoisyCores} foreign cores in some round: treat them as noisy.");
        if (run.Notes.Length > 0) md.AppendLine($"* {run.Notes}");
        md.AppendLine();

        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| Goal | Threads | ModelGen | Peer | Speed-up (round range) | Target | Result |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (Comparison row in rows.Where(r => r.Target is not null))
        {
            Target t = row.Target!;
            Contender peer = row.Contenders.First(c => c.Name == t.Peer);
            double s = row.Speedup(peer);
            var (lo, hi) = row.PairedSpeedupRange(peer);
            md.AppendLine($"| {row.Section}, {row.Workload} | {row.Threads} | {Figure(row, row.ModelGen)} | {t.Peer} {Figure(row, peer)} | " +
                               $"{s:F2}× ({lo:F2}–{hi:F2}) | {t.Text} | {Verdict(s, t, row.Mismatch, row.Noisy, row.Contenders.Max(c => c.MaxForeignCores))} |");
        }
        ColdStartSeries? torchCold = cold.FirstOrDefault(c => c.Name.StartsWith("TorchSharp", StringComparison.Ordinal) && c.Launches.Count > 0);
        if (coldTarget is not null && torchCold is not null)
        {
            foreach (ColdStartSeries mg in cold.Where(c => c != torchCold && c.Launches.Count > 0))
            {
                double s = torchCold.MedianMs / mg.MedianMs;
                double foreign = mg.Launches.Concat(torchCold.Launches).Max(l => l.ForeignCores);
                md.AppendLine($"| Launch to first training step, MLP b64: {mg.Name} | 1 | {mg.MedianMs:F0} ms | TorchSharp {torchCold.MedianMs:F0} ms | {s:F2}× | " +
                              $"{coldTarget.Text} | {Verdict(s, coldTarget, false, mg.Noisy || torchCold.Noisy, foreign)} |");
            }
        }
        md.AppendLine();

        foreach (var section in rows.GroupBy(r => r.Section))
        {
            md.AppendLine($"## {section.Key}");
            md.AppendLine();
            var peers = section.SelectMany(r => r.Contenders.Skip(1).Select(c => c.Name)).Distinct().ToList();
            md.Append("| Workload | Threads | ModelGen ms (min–max) |");
            foreach (string p in peers) md.Append($" {p} ms (min–max) | vs {p} |");
            md.AppendLine(" GFLOP/s ModelGen / " + string.Join(" / ", peers) + " | foreign cores (max) | check |");
            md.AppendLine("|---|---|---|" + string.Concat(Enumerable.Repeat("---|---|", peers.Count)) + "---|---|---|");
            foreach (Comparison row in section)
            {
                md.Append($"| {row.Workload} | {row.Threads} | {Ms(row.ModelGen)} |");
                foreach (string p in peers)
                {
                    Contender? c = row.Contenders.FirstOrDefault(x => x.Name == p);
                    md.Append(c is null ? " | |" : string.Create(Inv, $" {Ms(c)} | {row.Speedup(c):F2}× |"));
                }
                string gflops = string.Join(" / ", row.Contenders.Select(c => (row.FlopPerCall / (c.MedianMs * 1e6)).ToString("F1", Inv)));
                double foreign = row.Contenders.Max(c => c.MaxForeignCores);
                md.AppendLine($" {gflops} | {foreign:F2}{(row.Noisy ? " ⚠" : "")} | {(row.Mismatch ? "**MISMATCH** " : "")}{row.Check} |");
            }
            md.AppendLine();
        }
        if (rows.Any(r => r.Section == "Training step")) md.AppendLine("Training GFLOP/s count 3× the forward multiply-adds (the peers harness's convention). " +
            "A speed-up above 1 means ModelGen is faster; for GEMM it is also the ratio of GFLOP/s.\n");

        if (cold.Count > 0)
        {
            md.AppendLine("## Launch to first training step (MLP 784-256-128-10, batch 64, Adam, 1 thread)");
            md.AppendLine();
            md.AppendLine("Each launch is a fresh process: the parent takes a wall-clock timestamp just before starting it, the child reports when its first " +
                          "`TrainStep` (or TorchSharp step) has finished, and its peak resident memory (VmHWM from /proc/self/status) at that moment. " +
                          "The programs alternate launch by launch; the page cache is warm.");
            md.AppendLine();
            md.AppendLine("| Program | Command | Launches | Median ms to first step (min–max) | TorchSharp / this | Median VmHWM MiB (min–max) | foreign cores (max) |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            double torchMs = cold.FirstOrDefault(c => c.Name.StartsWith("TorchSharp", StringComparison.Ordinal))?.MedianMs ?? double.NaN;
            foreach (ColdStartSeries s in cold.Where(s => s.Launches.Count > 0))
            {
                md.AppendLine($"| {s.Name} | `{s.How}` | {s.Launches.Count} | {s.MedianMs:F0} ({s.Launches.Min(l => l.FirstStepMs):F0}–{s.Launches.Max(l => l.FirstStepMs):F0}) | " +
                                   $"{torchMs / s.MedianMs:F2}× | {s.MedianPeakMiB:F0} ({s.Launches.Min(l => l.PeakKb) / 1024.0:F0}–{s.Launches.Max(l => l.PeakKb) / 1024.0:F0}) | " +
                                   $"{s.Launches.Max(l => l.ForeignCores):F2}{(s.Noisy ? " ⚠" : "")} |");
            }
            md.AppendLine();
        }
        return md.ToString();
    }

    // The median and round range; GEMM rows also get GFLOP/s, since the GEMM goal is stated in GFLOP/s.
    private static string Figure(Comparison row, Contender c)
        => row.Section == "GEMM"
            ? string.Create(Inv, $"{row.FlopPerCall / (c.MedianMs * 1e6):F1} GFLOP/s")
            : Ms(c) + " ms";

    private static string Ms(Contender c) => string.Create(Inv, $"{F(c.MedianMs)} ({F(c.MinMs)}–{F(c.MaxMs)})");

    private static string F(double ms) => ms >= 100 ? ms.ToString("F1", Inv) : ms >= 1 ? ms.ToString("F2", Inv) : ms.ToString("F4", Inv);

    private static string Verdict(double speedup, Target t, bool mismatch, bool noisy, double foreign)
    {
        if (mismatch) return "not judged: the sides' outputs differ";
        string mark = speedup >= t.MinSpeedup
            ? "✅ pass"
            : string.Create(Inv, $"❌ miss: {speedup:F2}× of {t.MinSpeedup:F2}× ({100 * speedup / t.MinSpeedup:F0}% of the goal)");
        return noisy ? string.Create(Inv, $"{mark} ⚠ noisy ({foreign:F2} foreign cores)") : mark;
    }

    // "model name" from /proc/cpuinfo; a VM may only say "AMD EPYC", so family and model are added.
    private static string CpuModel()
    {
        var lines = File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0).ToList();
        string Field(string key)
        {
            string? line = lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal) && l[key.Length..].TrimStart().StartsWith(':'));
            return line is null ? "?" : line[(line.IndexOf(':') + 1)..].Trim();
        }
        return $"{Field("model name")} (family {Field("cpu family")} model {Field("model")}, /proc/cpuinfo)";
    }
}
