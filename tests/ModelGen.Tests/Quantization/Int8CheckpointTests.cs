using ModelGen.Data;
using ModelGen.Quantization;
using ModelGen.Tests.Data;
using Samples.LeNet;
using Samples.Mnist;
using Xunit;

namespace ModelGen.Tests.Quantization;

/// <summary>The int8 checkpoint round trip and size, and its refusal for another architecture.</summary>
public class Int8CheckpointTests
{
    [Fact]
    public void Int8Checkpoint_SaveThenLoadIntoAnotherModel_SameOutputsAtAQuarterOfFloat32Size()
    {
        using var folder = new TemporaryFolder();
        var model = new MnistMlp();
        model.Initialize(1);
        Dataset digits = SyntheticDigits.Generate(300, seed: 8);
        List<Tensor> calibration = QuantizationData.Batches(digits, 200, 100);
        Tensor x = QuantizationData.Batches(digits.Slice(200, 100), 100, 100)[0];
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 100, Quantization = QuantizationOptions.Int8(calibration) });
        string path = Path.Combine(folder.Path, "mlp.int8");
        int8.Int8!.Save(path);

        // Another model whose float weights differ: everything the int8 Forward needs comes from the checkpoint.
        var other = new MnistMlp();
        other.Initialize(2);
        using var loaded = other.Compile(new CompileOptions { MaxBatch = 100, Quantization = QuantizationOptions.FromCheckpoint(path) });
        Assert.Equal(int8.Forward(x).AsSpan().ToArray(), loaded.Forward(x).AsSpan().ToArray());
        Assert.Contains("from checkpoint", loaded.Int8!.Report.Layers[0].Detail);

        long float32Bytes = model.Parameters().Sum(p => (long)p.Value.Length) * sizeof(float);
        long int8Bytes = new FileInfo(path).Length;
        // Weights take one byte instead of four; biases and scales (float32, per output channel) add under 1%.
        Assert.True(float32Bytes >= 3.9 * int8Bytes, $"int8 checkpoint {int8Bytes} bytes vs {float32Bytes} bytes of float32 parameters");
    }

    [Fact]
    public void Int8Checkpoint_ForAnotherArchitecture_RefusedWithTheLayerNamed()
    {
        using var folder = new TemporaryFolder();
        var mlp = new MnistMlp();
        mlp.Initialize(1);
        Tensor x = QuantizationData.Batches(SyntheticDigits.Generate(50, seed: 9), 50, 50)[0];
        string path = Path.Combine(folder.Path, "mlp.int8");
        using (var int8 = mlp.Compile(new CompileOptions { MaxBatch = 50, Quantization = QuantizationOptions.Int8([x]) }))
            int8.Int8!.Save(path);

        var lenet = new LeNet5();
        var error = Assert.Throws<InvalidDataException>(() => lenet.Compile(new CompileOptions { Quantization = QuantizationOptions.FromCheckpoint(path) }));
        Assert.Contains("no layer conv1", error.Message); // LeNet's first int8 site, absent from the MLP's checkpoint
    }
}
