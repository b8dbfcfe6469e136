using ModelGen.Data;
using ModelGen.Optim;
using ModelGen.Quantization;
using ModelGen.Tests.Data;
using Samples.Mnist;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// The MLP compiled with int8 Linear layers: accuracy against float32 on the MNIST split, closeness of outputs,
/// the report, training staying float32, and a steady state without allocation.
/// </summary>
public class Int8MlpTests(ITestOutputHelper output)
{
    [RequiresMnistFact]
    public void Int8Mlp_TrainedTwoEpochsOnMnist_WithinHalfPointOfFloat32()
    {
        TrainEvalData data = Mnist.LoadTrainEvalSplit();
        var model = new MnistMlp();
        model.Initialize(0);
        using (var training = model.Compile(new CompileOptions { MaxBatch = 64 }))
        {
            var optimizer = new Adam(model.Parameters(), lr: 2e-3);
            var loader = new DataLoader(data.Train, 64, shuffle: true, seed: 0);
            for (int epoch = 1; epoch <= 2; epoch++)
                foreach (var (x, y) in loader.Epoch(epoch)) training.TrainStep(x, y, optimizer);
        }

        using var float32 = model.Compile(new CompileOptions { MaxBatch = 250 });
        double floatAccuracy = QuantizationData.Accuracy(float32.Forward, data.Eval);
        // Calibrate on 1,000 training images, as a deployment would on a sample of its inputs.
        List<Tensor> calibration = QuantizationData.Batches(data.Train, 1000, 250);
        foreach (Calibration method in new[] { Calibration.MinMax, Calibration.Percentile(99.99) })
        {
            using var int8 = model.Compile(new CompileOptions { MaxBatch = 250, Quantization = QuantizationOptions.Int8(calibration, method) });
            double int8Accuracy = QuantizationData.Accuracy(int8.Forward, data.Eval);
            output.WriteLine($"float32 {floatAccuracy:P2}, int8 ({method}) {int8Accuracy:P2}");
            output.WriteLine(int8.Int8!.Report.ToString());
            Assert.True(floatAccuracy >= 0.93, $"float32 accuracy {floatAccuracy:P2}: the model did not train");
            Assert.True(Math.Abs(floatAccuracy - int8Accuracy) <= 0.005, $"int8 ({method}) {int8Accuracy:P2} vs float32 {floatAccuracy:P2}");
        }
    }

    [Fact]
    public void Int8Mlp_RandomWeights_OutputsCloseToFloat32AndEveryLayerInt8()
    {
        var model = new MnistMlp();
        model.Initialize(1);
        Dataset digits = SyntheticDigits.Generate(512, seed: 4);
        using var float32 = model.Compile(new CompileOptions { MaxBatch = 128 });
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 128, Quantization = QuantizationOptions.Int8(QuantizationData.Batches(digits, 256, 128)) });
        Assert.Null(float32.Int8);

        Tensor x = QuantizationData.Batches(digits.Slice(256, 256), 100, 100)[0];
        QuantizationData.AssertCloseToFloat32(output, float32.Forward(x), int8.Forward(x), tolerance: 0.06);

        QuantizationReport report = int8.Int8!.Report;
        Assert.Equal(["fc1", "fc2", "head"], report.Layers.Select(l => l.Layer));
        Assert.All(report.Layers, l => Assert.True(l.IsInt8, l.ToString()));
        Assert.Equal(3, int8.Int8.Layers.Count);
        Assert.All(int8.Int8.Layers, l => Assert.True(l.IsQuantized));
    }

    [Fact]
    public void Int8Mlp_ComputeGradients_StaysFloat32()
    {
        var model = new MnistMlp();
        model.Initialize(2);
        Dataset digits = SyntheticDigits.Generate(64, seed: 5);
        Tensor x = QuantizationData.Batches(digits, 64, 64)[0];
        Tensor y = Tensor.FromArray(digits.Labels, 64);
        using var float32 = model.Compile(new CompileOptions { MaxBatch = 64 });
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 64, Quantization = QuantizationOptions.Int8([x]) });
        float expectedLoss = float32.ComputeGradients(x, y);
        float[] expectedGradient = model.Parameters()[0].Grad.AsSpan().ToArray();
        Assert.Equal(expectedLoss, int8.ComputeGradients(x, y));
        Assert.Equal(expectedGradient, model.Parameters()[0].Grad.AsSpan().ToArray());
    }

    [Fact]
    public void Int8Mlp_Forward_AfterWarmUp_AllocatesNothing()
    {
        var model = new MnistMlp();
        model.Initialize(3);
        Dataset digits = SyntheticDigits.Generate(64, seed: 6);
        Tensor x = QuantizationData.Batches(digits, 64, 64)[0], small = QuantizationData.Batches(digits, 5, 5)[0];
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 64, Quantization = QuantizationOptions.Int8([x]) });
        int8.Forward(x);
        int8.Forward(small);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            int8.Forward(x);
            int8.Forward(small);
        }));
    }
}
