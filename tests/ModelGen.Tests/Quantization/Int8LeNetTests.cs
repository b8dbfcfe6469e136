using ModelGen.Data;
using ModelGen.Optim;
using ModelGen.Quantization;
using ModelGen.Tests.Data;
using Samples.LeNet;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// LeNet-5 compiled with int8 convolutions and Linear layers: accuracy against float32 on the MNIST split, the
/// report, the checkpoint with the convolutions in it, and a steady state without allocation.
/// </summary>
public class Int8LeNetTests(ITestOutputHelper output)
{
    private static readonly int[] Image = [1, 28, 28];

    [RequiresMnistFact]
    public void Int8LeNet_TrainedOneEpochOnMnist_WithinHalfPointOfFloat32()
    {
        TrainEvalData data = Mnist.LoadTrainEvalSplit();
        var model = new LeNet5();
        model.Initialize(0);
        using (var training = model.Compile(new CompileOptions { MaxBatch = 64 }))
        {
            var optimizer = new Adam(model.Parameters(), lr: 2e-3);
            foreach (var (x, y) in new DataLoader(data.Train, 64, shuffle: true, seed: 0, sampleShape: Image).Epoch(1))
                training.TrainStep(x, y, optimizer);
        }

        using var float32 = model.Compile(new CompileOptions { MaxBatch = 250 });
        double floatAccuracy = QuantizationData.Accuracy(float32.Forward, data.Eval, Image);
        // Calibrate on 1,000 training images, as a deployment would on a sample of its inputs.
        List<Tensor> calibration = QuantizationData.Batches(data.Train, 1000, 250, Image);
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 250, Quantization = QuantizationOptions.Int8(calibration) });
        double int8Accuracy = QuantizationData.Accuracy(int8.Forward, data.Eval, Image);
        output.WriteLine($"float32 {floatAccuracy:P2}, int8 {int8Accuracy:P2}");
        output.WriteLine(int8.Int8!.Report.ToString());
        Assert.True(floatAccuracy >= 0.93, $"float32 accuracy {floatAccuracy:P2}: the model did not train");
        Assert.Equal(5, int8.Int8.Layers.Count); // conv1 (the narrow kernel), conv2, fc1, fc2, head
        Assert.True(Math.Abs(floatAccuracy - int8Accuracy) <= 0.005, $"int8 {int8Accuracy:P2} vs float32 {floatAccuracy:P2}");
    }

    [Fact]
    public void Int8LeNet_Report_ConvsAndLinearsInt8PoolingFusedIntoTheConvolutions()
    {
        var model = new LeNet5();
        model.Initialize(1);
        Dataset digits = SyntheticDigits.Generate(64, seed: 10);
        List<Tensor> calibration = QuantizationData.Batches(digits, 64, 32, Image);
        using var float32 = model.Compile(new CompileOptions { MaxBatch = 32 });
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 32, Quantization = QuantizationOptions.Int8(calibration) });

        QuantizationReport report = int8.Int8!.Report;
        output.WriteLine(report.ToString());
        Assert.Equal(["conv1", "conv2", "fc1", "fc2", "head"], report.Layers.Where(l => l.IsInt8).Select(l => l.Layer));
        Assert.Equal(["conv1", "conv2", "fc1", "fc2", "head"], int8.Int8.Layers.Select(l => l.Layer));
        // conv1 (6 output channels) runs the channels-as-rows kernel, conv2 (16) the im2col GEMM.
        Assert.True(Assert.IsType<Int8Conv2d>(int8.Int8.Layers[0]).IsNarrow);
        Assert.False(Assert.IsType<Int8Conv2d>(int8.Int8.Layers[1]).IsNarrow);
        // Each pooling runs in its convolution's int8 call (Int8Conv2d.MaxPool).
        Assert.Equal(["pool1", "pool2"], report.Float32Layers.Select(l => l.Layer));
        Assert.All(report.Float32Layers, l => Assert.Equal("MaxPool2d", l.LayerType));
        Assert.StartsWith("fused into conv1's int8 epilogue", report.Layers.Single(l => l.Layer == "pool1").Detail);
        Assert.StartsWith("fused into conv2's int8 epilogue", report.Layers.Single(l => l.Layer == "pool2").Detail);
        Assert.All(int8.Int8.Layers.OfType<Int8Conv2d>(), conv => Assert.NotNull(conv.MaxPool));

        QuantizationData.AssertCloseToFloat32(output, float32.Forward(calibration[0]), int8.Forward(calibration[0]), tolerance: 0.06);
    }

    [Fact]
    public void Int8LeNet_SaveThenLoadOverZeroedWeights_SameOutputsConvsIncludedAtAQuarterOfFloat32Size()
    {
        using var folder = new TemporaryFolder();
        var model = new LeNet5();
        model.Initialize(1);
        Dataset digits = SyntheticDigits.Generate(96, seed: 11);
        List<Tensor> calibration = QuantizationData.Batches(digits, 64, 32, Image);
        Tensor x = QuantizationData.Batches(digits.Slice(64, 32), 32, 32, Image)[0];
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 32, Quantization = QuantizationOptions.Int8(calibration) });
        string path = Path.Combine(folder.Path, "lenet.int8");
        int8.Int8!.Save(path);

        float[] expected = int8.Forward(x).AsSpan().ToArray();
        long float32Bytes = model.Parameters().Sum(p => (long)p.Value.Length) * sizeof(float);

        // Every layer with weights runs int8: with all float weights zeroed, the outputs can only match if the int8
        // layers come from the checkpoint.
        foreach (Parameter p in model.Parameters()) p.Value.AsSpan().Clear();
        using var loaded = model.Compile(new CompileOptions { MaxBatch = 32, Quantization = QuantizationOptions.FromCheckpoint(path) });
        Assert.Equal(expected, loaded.Forward(x).AsSpan().ToArray());
        Assert.Contains("from checkpoint", loaded.Int8!.Report.Layers.Single(l => l.Layer == "conv1").Detail);
        Assert.Contains("from checkpoint", loaded.Int8.Report.Layers.Single(l => l.Layer == "conv2").Detail);

        long int8Bytes = new FileInfo(path).Length;
        // Weights take one byte instead of four; per-channel biases and scales and the layer headers add a few percent.
        Assert.True(float32Bytes >= 3.7 * int8Bytes, $"int8 checkpoint {int8Bytes} bytes vs {float32Bytes} bytes of float32 parameters");
    }

    [Fact]
    public void Int8LeNet_Forward_AfterWarmUp_AllocatesNothing()
    {
        var model = new LeNet5();
        model.Initialize(3);
        Dataset digits = SyntheticDigits.Generate(32, seed: 12);
        Tensor x = QuantizationData.Batches(digits, 32, 32, Image)[0], small = QuantizationData.Batches(digits, 3, 3, Image)[0];
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 32, Quantization = QuantizationOptions.Int8([x]) });
        int8.Forward(x);
        int8.Forward(small);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            int8.Forward(x);
            int8.Forward(small);
        }));
    }
}
