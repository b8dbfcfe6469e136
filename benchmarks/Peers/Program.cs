// ModelGen side by side with TorchSharp (libtorch) and ONNX Runtime in one process, alternating the sides.
// See benchmarks/README.md, "Side by side with the peers". Usage (benchmarks/peers.sh builds and runs it):
//   Peers bench [--quick] [--rounds N] [--round-seconds S] [--launches N] [--threads 1,2] [--wait-budget S]
//               [--only train,infer,gemm,cold] [--jit|--r2r|--aot PATH] [--out FILE] [--command TEXT]
//   Peers coldstart modelgen|torch      one cold-start child (the bench mode launches these)
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Peers;
using TorchSharp;

return args.FirstOrDefault() switch
{
    "coldstart" when args.Length > 1 && args[1] == "modelgen" => ColdStartChild.RunModelGen(),
    "coldstart" when args.Length > 1 && args[1] == "torch" => ColdStartTorch.Run(),
    "bench" or null => Bench.Run(args.Skip(1).ToArray()),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Peers bench [--quick] [--rounds N] [--round-seconds S] [--launches N] [--threads 1,2] " +
                            "[--only train,infer,gemm,cold] [--jit|--r2r|--aot PATH] [--out FILE] | Peers coldstart modelgen|torch");
    return 2;
}

namespace Peers
{
    /// <summary>The bench mode: every comparison at every thread count, then cold starts, then the report.</summary>
    internal static class Bench
    {
        public static int Run(string[] args)
        {
            var started = DateTime.UtcNow;
            var wall = Stopwatch.StartNew();
            bool quick = args.Contains("--quick");
            int rounds = Int(args, "--rounds", quick ? 3 : 7);
            double roundSeconds = Double(args, "--round-seconds", quick ? 0.2 : 0.4);
            double warmSeconds = quick ? 0.15 : 0.3;
            int launches = Int(args, "--launches", quick ? 3 : 7);
            int[] threadCounts = Option(args, "--threads", "1,2").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var only = Option(args, "--only", "train,infer,gemm,cold").Split(',').ToHashSet();
            string output = Option(args, "--out", Path.Combine(RepositoryRoot(), "benchmarks", "results.md"));
            string command = Option(args, "--command", "Peers bench " + string.Join(' ', args)).Trim();
            // Under sustained foreign load every wait would run to its cap; the budget bounds what the run adds.
            MachineLoad.WaitBudgetSeconds = Double(args, "--wait-budget", quick ? 45 : 120);

            string versions = $"TorchSharp {Version(typeof(torch).Assembly)} (libtorch CPU, GLIBCXX patch applied, see benchmarks/README.md), " +
                              $"Microsoft.ML.OnnxRuntime {Version(typeof(InferenceSession).Assembly)} (native {OrtEnv.Instance().GetVersionString()})";
            Console.WriteLine($"ModelGen vs peers: {rounds} rounds x {roundSeconds:F2} s per side, threads {string.Join(",", threadCounts)}; {versions}");

            var rows = new List<Comparison>();
            foreach (int threads in threadCounts)
            {
                ModelGen.Kernels.Gemm.MaxThreads = threads;
                torch.set_num_threads(threads);
                foreach (Func<Comparison> make in Plan(only, threads))
                {
                    Comparison row = make();
                    Console.WriteLine($"{row.Section}, {row.Workload}, {threads} thread(s): {row.Check}{(row.Mismatch ? "  ** MISMATCH **" : "")}");
                    for (int r = 0; r < rounds; r++)
                    {
                        MachineLoad.WaitForQuiet(maxSeconds: 10);
                        row.MeasureRound(roundSeconds, warmSeconds);
                    }
                    Console.WriteLine("  " + string.Join("  ", row.Contenders.Select(c =>
                        FormattableString.Invariant($"{c.Name} {c.MedianMs:F4} ms ({c.MinMs:F4}-{c.MaxMs:F4}, foreign {c.MaxForeignCores:F2})"))));
                    rows.Add(row);
                }
            }

            var cold = new List<ColdStartSeries>();
            if (only.Contains("cold"))
            {
                string self = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
                var programs = new List<ColdStart.Program>
                {
                    new("ModelGen (JIT, Peers binary)", self, ["coldstart", "modelgen"]),
                    new("TorchSharp", self, ["coldstart", "torch"]),
                };
                // The same cold-start program alone (ColdStartAot/), published three ways, when peers.sh made them.
                foreach (var (option, name) in new[] { ("--jit", "ModelGen app (JIT)"), ("--r2r", "ModelGen app (ReadyToRun)"), ("--aot", "ModelGen app (NativeAOT)") })
                {
                    string path = Option(args, option, "");
                    if (path.Length > 0 && File.Exists(path)) programs.Add(new(name, path, []));
                    else if (path.Length > 0) Console.Error.WriteLine($"{option}: {path} not found, skipped");
                }
                cold = ColdStart.Measure(programs, launches);
            }

            string notes = "Training: ModelGen's `TrainStep` overwrites the gradients, so it has no separate zero_grad; TorchSharp runs " +
                           "`zero_grad`, forward, `cross_entropy`, `backward`, `Adam.step` in a DisposeScope. Inference: ModelGen `Forward` on the " +
                           "compiled model, TorchSharp `eval()` under `no_grad`, ONNX Runtime `Run` with OrtValues over preallocated arrays.";
            var run = new RunInfo(command, started, wall.Elapsed, rounds, roundSeconds, versions, notes);
            string markdown = Report.Markdown(run, rows, cold, new Target("TorchSharp", 3.0, "≤ 1/3 of TorchSharp's time"));
            File.WriteAllText(output, markdown);
            Console.WriteLine();
            Console.WriteLine(markdown);
            Console.WriteLine($"wrote {output}; the run took {wall.Elapsed.TotalSeconds:F0} s");
            return rows.Any(r => r.Mismatch) ? 1 : 0;
        }

        // The rows of the table at one thread count, in order; each builds its sides when called.
        private static IEnumerable<Func<Comparison>> Plan(HashSet<string> only, int threads)
        {
            Target Vs(string peer, double min, string text) => new(peer, min, text);
            if (only.Contains("train"))
            {
                yield return () => Workloads.Training("MLP 784-256-128-10", 64, threads, Vs("TorchSharp", 2.5, "≥ 2.5× TorchSharp"));
                yield return () => Workloads.Training("MLP 784-256-128-10", 256, threads, Vs("TorchSharp", 1.5, "≥ 1.5× TorchSharp"));
                yield return () => Workloads.Training("LeNet-5", 64, threads, Vs("TorchSharp", 2.0, "≥ 2× TorchSharp"));
            }
            if (only.Contains("infer"))
            {
                yield return () => Workloads.Inference("MLP 784-256-128-10", 1, threads, Vs("ONNX Runtime", 1.0, "no slower than ONNX Runtime"));
                yield return () => Workloads.Inference("MLP 784-256-128-10", 64, threads, Vs("TorchSharp", 1.2, "≥ 1.2× TorchSharp"));
                yield return () => Workloads.Inference("LeNet-5", 1, threads, null);
                yield return () => Workloads.Inference("LeNet-5", 64, threads, Vs("TorchSharp", 1.2, "≥ 1.2× TorchSharp"));
            }
            if (only.Contains("gemm"))
            {
                yield return () => Workloads.Gemm(1024, threads, Vs("TorchSharp", 0.9, "≥ 90% of libtorch's GFLOP/s"));
                yield return () => Workloads.Gemm(2048, threads, null);
            }
        }

        private static string Version(Assembly assembly)
            => assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
               ?? assembly.GetName().Version?.ToString() ?? "?";

        private static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ModelGen.sln"))) return dir.FullName;
            return Directory.GetCurrentDirectory();
        }

        private static string Option(string[] args, string name, string fallback)
        {
            int at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
        }

        private static int Int(string[] args, string name, int fallback) => int.Parse(Option(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        private static double Double(string[] args, string name, double fallback) => double.Parse(Option(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
    }
}
