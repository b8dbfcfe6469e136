using System.Globalization;
using Samples.LeNet;
using Samples.Mnist;

namespace ModelGen.Benchmarks;

/// <summary>
/// The effect of prepacked weights (<see cref="CompileOptions.PrepackWeights"/>) on the compiled Forward: the same
/// model compiled with the weights packed once and packed per call (the old behaviour; the results are
/// bit-identical), timed in alternating blocks (<see cref="Timing.Compare"/>) so the load of a shared machine falls
/// on both alike.
/// </summary>
public static class PrepackComparison
{
    public static void Run(double seconds)
    {
        Console.WriteLine("| workload | prepacked median ms (p10..p90) | per-call packing median ms (p10..p90) | per-call / prepacked, adjacent blocks: median (p10..p90) |");
        Console.WriteLine("|---|---|---|---|");
        foreach (int batch in new[] { 1, 64 })
        {
            var mlp = new MnistMlp();
            mlp.Initialize(0);
            Tensor x = Random(batch, [784], 3);
            using var packed = mlp.Compile(new CompileOptions { MaxBatch = batch });
            using var perCall = mlp.Compile(new CompileOptions { MaxBatch = batch, PrepackWeights = false });
            Row($"MLP 784-256-128-10 Forward, batch {batch}", () => packed.Forward(x), () => perCall.Forward(x), seconds);
        }
        var lenet = new LeNet5();
        lenet.Initialize(0);
        Tensor images = Random(64, [1, 28, 28], 5);
        using (LeNet5.Compiled packed = lenet.Compile(new CompileOptions { MaxBatch = 64 }),
               perCall = lenet.Compile(new CompileOptions { MaxBatch = 64, PrepackWeights = false }))
        {
            Row("LeNet-5 Forward, batch 64", () => packed.Forward(images), () => perCall.Forward(images), seconds);
        }
    }

    private static void Row(string name, Action packed, Action perCall, double seconds)
    {
        var (a, b, ratio, p10, p90) = Timing.Compare(name + " prepacked", packed, name + " per-call", perCall, seconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {a.MedianMs:F3} ({a.P10Ms:F3}..{a.P90Ms:F3}) | {b.MedianMs:F3} ({b.P10Ms:F3}..{b.P90Ms:F3}) | {1 / ratio:F2}x ({1 / p90:F2}..{1 / p10:F2}x) |"));
    }

    private static Tensor Random(int batch, int[] sample, int seed)
    {
        var rng = new Random(seed);
        int length = batch;
        foreach (int d in sample) length *= d;
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
        return Tensor.FromArray(values, [batch, .. sample]);
    }
}
