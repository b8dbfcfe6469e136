using System.Globalization;
using ModelGen.Optim;
using ModelGen.Pruning;
using Samples.LeNet;

namespace ModelGen.Benchmarks;

/// <summary>
/// `--compact`: structured pruning made physical for LeNet-5. Half of each layer's filters and units
/// (<see cref="Prune.Structured"/>, 0.5) masked in the full-size model, against the same weights copied by
/// <see cref="Prune.Compact"/> into <see cref="LeNet5Half"/>, compiled with the smaller sizes. The two compute the
/// same logits; both are timed in alternating blocks.
/// </summary>
internal static class CompactComparison
{
    public static void Run(double seconds)
    {
        var masked = new LeNet5();
        masked.Initialize(0);
        Prune.Structured(masked, 0.5);
        var compact = new LeNet5Half();
        Prune.Compact(masked, compact);
        Console.WriteLine("compact sizes: " + string.Join(", ", Prune.CompactSizes(masked).Select(s => $"{s.Name} {s.InFeatures}->{s.OutFeatures}")));
        Console.WriteLine();
        Console.WriteLine("| workload, batch 64 | masked full-size median ms | compact median ms | speed-up, adjacent blocks: median (p10..p90) |");
        Console.WriteLine("|---|---|---|---|");
        var rng = new Random(5);
        Tensor x = Tensor.FromArray(Enumerable.Range(0, 64 * 784).Select(_ => (float)rng.NextDouble()).ToArray(), 64, 1, 28, 28);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 64).Select(_ => rng.Next(10)).ToArray(), 64);
        using LeNet5.Compiled full = masked.Compile(new CompileOptions { MaxBatch = 64 });
        using LeNet5Half.Compiled small = compact.Compile(new CompileOptions { MaxBatch = 64 });
        Row("Forward", () => full.Forward(x), () => small.Forward(x), seconds);
        var fullAdam = new Adam(masked.Parameters(), lr: 1e-3f);
        var smallAdam = new Adam(compact.Parameters(), lr: 1e-3f);
        Row("TrainStep (Adam, masks held)", () => full.TrainStep(x, y, fullAdam), () => small.TrainStep(x, y, smallAdam), seconds);
    }

    private static void Row(string name, Action full, Action compact, double seconds)
    {
        var (a, b, ratio, p10, p90) = Timing.Compare(name + " masked", full, name + " compact", compact, seconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {a.MedianMs:F3} | {b.MedianMs:F3} | {ratio:F2}x ({p10:F2}..{p90:F2}x) |"));
    }
}
