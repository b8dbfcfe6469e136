// ModelGen's CPU benchmark: median milliseconds per compiled TrainStep (forward, cross-entropy, backward, Adam)
// and per compiled Forward for the MLP 784-256-128-10 and LeNet-5 (float32 and int8), after warm-up, with the spread. Not a test.
// Usage: dotnet run -c Release --project benchmarks/ModelGen.Benchmarks [seconds-per-row] [--threads N] [--fusion] [--int8] [--int8-stages] [--prepack] [--compact]
// --fusion: instead, kernel counts and times of each sample with CompileOptions.Fusion on and off (FusionComparison.cs).
// --int8: only the float32-versus-int8 Forward comparisons.
// --compact: instead, LeNet-5 structurally pruned by half, masked against compacted (CompactComparison.cs).
// --int8-stages: instead, LeNet-5's Forward stage by stage, float32 next to int8 (Int8Stages.cs).
// --prepack: instead, Forward with weights prepacked (CompileOptions.PrepackWeights) versus packed per call (PrepackComparison.cs).
using System.Globalization;
using System.Runtime.Intrinsics;
using ModelGen;
using ModelGen.Benchmarks;
using ModelGen.Optim;
using ModelGen.Quantization;
using Samples.LeNet;
using Samples.Mnist;

double seconds = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
int threadsAt = Array.IndexOf(args, "--threads");
if (threadsAt >= 0) ModelGen.Kernels.Gemm.MaxThreads = int.Parse(args[threadsAt + 1], CultureInfo.InvariantCulture);
Console.WriteLine($"ModelGen CPU benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, " +
                  $"Vector512 {(Vector512.IsHardwareAccelerated ? "on" : "off")}, Vector256 {(Vector256.IsHardwareAccelerated ? "on" : "off")}, " +
                  $"GEMM threads {ModelGen.Kernels.Gemm.MaxThreads}");
Console.WriteLine();
if (args.Contains("--fusion"))
{
    FusionComparison.Run(seconds);
    return;
}
if (args.Contains("--int8-stages"))
{
    Int8Stages.Run(seconds, RandomTensor);
    return;
}
if (args.Contains("--compact"))
{
    CompactComparison.Run(seconds);
    return;
}
if (args.Contains("--prepack"))
{
    PrepackComparison.Run(seconds);
    return;
}
Console.WriteLine("| workload | median ms | p10..p90 ms | spread | GFLOP/s | blocks x calls |");
Console.WriteLine("|---|---|---|---|---|---|");
bool onlyInt8 = args.Contains("--int8"); // only the float32-versus-int8 Forward comparisons
var comparisons = new List<string>();

// Multiply-adds of one forward pass, per sample; a training step counts 3x the forward (as ../shared/peers does).
const double ForwardFlopsPerSample = 2.0 * (784 * 256 + 256 * 128 + 128 * 10);
foreach (int batch in onlyInt8 ? [] : new[] { 64, 256 })
{
    var model = new MnistMlp();
    model.Initialize(0);
    using var compiled = model.Compile(new CompileOptions { MaxBatch = batch });
    var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
    Tensor x = RandomTensor(batch, 784, 1);
    Tensor y = RandomLabels(batch, 10, 2);
    Report(Timing.Measure($"MLP 784-256-128-10 TrainStep, batch {batch}", () => compiled.TrainStep(x, y, optimizer), seconds), 3 * ForwardFlopsPerSample * batch);
    // The breakdown: the compiled forward+backward alone, and the optimizer's step alone.
    Report(Timing.Measure($"  of which ComputeGradients, batch {batch}", () => compiled.ComputeGradients(x, y), seconds), 3 * ForwardFlopsPerSample * batch);
    if (batch == 64) Report(Timing.Measure($"  of which Adam.Step ({model.ParameterCount():N0} parameters)", optimizer.Step, seconds), 0);
}
if (!onlyInt8)
{
    // LeNet-5: conv 1->6 5x5 pad 2 on 28x28, pool, conv 6->16 5x5, pool, 400-120-84-10.
    const double LeNetForwardFlops = 2.0 * (28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10);
    var model = new LeNet5();
    model.Initialize(0);
    using var compiled = model.Compile(new CompileOptions { MaxBatch = 64 });
    var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
    Tensor x = Tensor.FromArray(RandomTensor(64, 784, 5).ToArray(), 64, 1, 28, 28);
    Tensor y = RandomLabels(64, 10, 6);
    Report(Timing.Measure("LeNet-5 TrainStep, batch 64", () => compiled.TrainStep(x, y, optimizer), seconds), 3 * LeNetForwardFlops * 64);
    Report(Timing.Measure("LeNet-5 Forward, batch 64", () => compiled.Forward(x), seconds), LeNetForwardFlops * 64);
}
foreach (int batch in new[] { 1, 64 })
{
    var model = new MnistMlp();
    model.Initialize(0);
    using var compiled = model.Compile(new CompileOptions { MaxBatch = batch });
    Tensor x = RandomTensor(batch, 784, 3);
    // The same model with int8 Linear layers (CompileOptions.Quantization), calibrated on the input itself, timed
    // in blocks alternating with the float32 Forward so both see the same load.
    using var int8 = model.Compile(new CompileOptions { MaxBatch = batch, Quantization = QuantizationOptions.Int8([x]) });
    var (f32, i8, ratio, ratioP10, ratioP90) = Timing.Compare(
        $"MLP 784-256-128-10 Forward, batch {batch}", () => compiled.Forward(x),
        $"MLP 784-256-128-10 int8 Forward, batch {batch} ({ModelGen.Kernels.GemmInt8.BestPath})", () => int8.Forward(x), seconds);
    Report(f32, ForwardFlopsPerSample * batch);
    Report(i8, ForwardFlopsPerSample * batch);
    comparisons.Add(string.Create(CultureInfo.InvariantCulture, $"MLP batch {batch}: int8 speed-up (float32 / int8 time of adjacent blocks) median {ratio:F2}x, p10..p90 {ratioP10:F2}..{ratioP90:F2}x"));
}
{
    var model = new LeNet5();
    model.Initialize(0);
    Tensor x = Tensor.FromArray(RandomTensor(64, 784, 5).ToArray(), 64, 1, 28, 28);
    using var compiled = model.Compile(new CompileOptions { MaxBatch = 64 });
    using var int8 = model.Compile(new CompileOptions { MaxBatch = 64, Quantization = QuantizationOptions.Int8([x]) });
    var (f32, i8, ratio, ratioP10, ratioP90) = Timing.Compare(
        "LeNet-5 Forward, batch 64", () => compiled.Forward(x),
        $"LeNet-5 int8 Forward (convolutions and Linear layers int8; {ModelGen.Kernels.GemmInt8.BestPath}), batch 64", () => int8.Forward(x), seconds);
    Report(f32, 0);
    Report(i8, 0);
    comparisons.Add(string.Create(CultureInfo.InvariantCulture, $"LeNet-5 batch 64: int8 speed-up median {ratio:F2}x, p10..p90 {ratioP10:F2}..{ratioP90:F2}x"));
}
Console.WriteLine();
foreach (string line in comparisons) Console.WriteLine(line);

static void Report(Measurement m, double flops)
    => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {m.Name} | {m.MedianMs:F3} | {m.P10Ms:F3}..{m.P90Ms:F3} | {m.Spread:P0} | {(flops > 0 ? (flops / (m.MedianMs * 1e6)).ToString("F1", CultureInfo.InvariantCulture) : "-")} | {m.Blocks} x {m.CallsPerBlock} |"));

static Tensor RandomTensor(int rows, int columns, int seed)
{
    var rng = new Random(seed);
    var values = new float[rows * columns];
    for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
    return Tensor.FromArray(values, rows, columns);
}

static Tensor RandomLabels(int rows, int classes, int seed)
{
    var rng = new Random(seed);
    var labels = new int[rows];
    for (int i = 0; i < rows; i++) labels[i] = rng.Next(classes);
    return Tensor.FromArray(labels, rows);
}
