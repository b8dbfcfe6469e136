using System.Globalization;
using Samples.LeNet;
using Samples.Mnist;

namespace ModelGen.Benchmarks;

/// <summary>
/// The effect of fusion (<see cref="CompileOptions.Fusion"/>) on each sample model: kernel calls and loops per
/// compiled Forward and ComputeGradients (the generated constants, counted from the graphs at build time) and the
/// median time with fusion on and off. On and off are measured alternately, twice each, so that drift in the
/// machine's load falls on both; the table gives both medians.
/// </summary>
public static class FusionComparison
{
    public static void Run(double seconds)
    {
        Console.WriteLine("| model | call | kernels on | kernels off | median ms on (2 runs) | median ms off (2 runs) | off / on |");
        Console.WriteLine("|---|---|---|---|---|---|---|");

        Tensor mlpInput = Random(64, [784], 1), lenetInput = Random(64, [1, 28, 28], 5), labels = Labels(64, 10, 2);
        var mlp = new MnistMlp();
        mlp.Initialize(0);
        using (MnistMlp.Compiled on = mlp.Compile(new CompileOptions { MaxBatch = 64 }), off = mlp.Compile(new CompileOptions { MaxBatch = 64, Fusion = false }))
        {
            Compare("MnistMlp", "Forward, batch 64", MnistMlp.Compiled.ForwardKernels, MnistMlp.Compiled.ForwardKernelsWithoutFusion,
                () => on.Forward(mlpInput), () => off.Forward(mlpInput), seconds);
            Compare("MnistMlp", "ComputeGradients, batch 64", MnistMlp.Compiled.TrainKernels, MnistMlp.Compiled.TrainKernelsWithoutFusion,
                () => on.ComputeGradients(mlpInput, labels), () => off.ComputeGradients(mlpInput, labels), seconds);
        }

        var lenet = new LeNet5();
        lenet.Initialize(0);
        using (LeNet5.Compiled on = lenet.Compile(new CompileOptions { MaxBatch = 64 }), off = lenet.Compile(new CompileOptions { MaxBatch = 64, Fusion = false }))
        {
            Compare("LeNet5", "Forward, batch 64", LeNet5.Compiled.ForwardKernels, LeNet5.Compiled.ForwardKernelsWithoutFusion,
                () => on.Forward(lenetInput), () => off.Forward(lenetInput), seconds);
            Compare("LeNet5", "ComputeGradients, batch 64", LeNet5.Compiled.TrainKernels, LeNet5.Compiled.TrainKernelsWithoutFusion,
                () => on.ComputeGradients(lenetInput, labels), () => off.ComputeGradients(lenetInput, labels), seconds);
        }
    }

    private static void Compare(string model, string call, int kernelsOn, int kernelsOff, Action on, Action off, double seconds)
    {
        Measurement on1 = Timing.Measure("on", on, seconds), off1 = Timing.Measure("off", off, seconds);
        Measurement on2 = Timing.Measure("on", on, seconds), off2 = Timing.Measure("off", off, seconds);
        double ratio = (off1.MedianMs + off2.MedianMs) / (on1.MedianMs + on2.MedianMs);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {model} | {call} | {kernelsOn} | {kernelsOff} | {on1.MedianMs:F3}, {on2.MedianMs:F3} | {off1.MedianMs:F3}, {off2.MedianMs:F3} | {ratio:F2} |"));
    }

    private static Tensor Random(int batch, int[] sample, int seed)
    {
        var rng = new Random(seed);
        int length = batch * sample.Aggregate(1, (p, d) => p * d);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
        return Tensor.FromArray(values, [batch, .. sample]);
    }

    private static Tensor Labels(int rows, int classes, int seed)
    {
        var rng = new Random(seed);
        var labels = new int[rows];
        for (int i = 0; i < rows; i++) labels[i] = rng.Next(classes);
        return Tensor.FromArray(labels, rows);
    }
}
