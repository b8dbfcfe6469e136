using ModelGen.Optim;
using ModelGen.Pruning;
using ModelGen.Tests.Models;
using Samples.LeNet;
using Samples.Mnist;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// The compiled Forward multiplies by weights packed once (CompileOptions.PrepackWeights): every change to a weight
/// made through the library reaches the next Forward, which then equals a fresh compile's Forward bit for bit.
/// </summary>
public class PrepackedForwardTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Forward_AfterAdamTrainStep_EqualsFreshCompile(bool fusion)
    {
        var model = NewMlp();
        var options = new CompileOptions { MaxBatch = 64, Fusion = fusion };
        using var compiled = model.Compile(options);
        Tensor x = ModelHarness.RandomInput(64, 784, 1);
        compiled.Forward(x);
        compiled.TrainStep(x, ModelHarness.RandomLabels(64, 10, 2), new Adam(model.Parameters(), lr: 1e-2));
        AssertEqualsFreshCompile(model, compiled.Forward(x), x, options);
    }

    [Fact]
    public void Forward_AfterPruning_EqualsFreshCompile()
    {
        var model = NewMlp();
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 16 });
        Tensor x = ModelHarness.RandomInput(16, 784, 3);
        float[] before = compiled.Forward(x).ToArray();
        Prune.Magnitude(model, 0.7);
        float[] after = compiled.Forward(x).ToArray();
        Assert.NotEqual(before, after);
        AssertEqualsFreshCompile(model, compiled.Forward(x), x, new CompileOptions { MaxBatch = 16 });
    }

    [Fact]
    public void Forward_AfterInitializeAndUserWrite_EqualsFreshCompile()
    {
        var model = NewMlp();
        var options = new CompileOptions { MaxBatch = 8 };
        using var compiled = model.Compile(options);
        Tensor x = ModelHarness.RandomInput(8, 784, 4);
        compiled.Forward(x);
        model.Initialize(99);
        AssertEqualsFreshCompile(model, compiled.Forward(x), x, options);
        model.Parameters()[2].Value.AsSpan()[5] = 3f; // a span obtained after the last Forward: seen
        AssertEqualsFreshCompile(model, compiled.Forward(x), x, options);
    }

    [Fact]
    public void Forward_WriteThroughSpanHeldAcrossForward_SeenAfterMarkModifiedOrWithoutPrepacking()
    {
        // The documented hole (Tensor.Version): a span obtained before the Forward that packed the weight. The ways
        // out: MarkModified after the write, or PrepackWeights = false.
        var model = NewMlp();
        var options = new CompileOptions { MaxBatch = 8 };
        using var compiled = model.Compile(options);
        using var unpacked = model.Compile(options with { PrepackWeights = false });
        Tensor x = ModelHarness.RandomInput(8, 784, 5);
        Span<float> weight = model.Parameters()[0].Value.AsSpan();
        compiled.Forward(x);
        unpacked.Forward(x);
        weight.Fill(0.01f);

        AssertEqualsFreshCompile(model, unpacked.Forward(x), x, options);
        model.Parameters()[0].Value.MarkModified();
        AssertEqualsFreshCompile(model, compiled.Forward(x), x, options);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(3)] // the skinny path, which reads the weight in place
    public void Forward_PrepackOff_BitIdenticalToPrepackOn(int batch)
    {
        var model = NewMlp();
        using var packed = model.Compile(new CompileOptions { MaxBatch = 64 });
        using var plain = model.Compile(new CompileOptions { MaxBatch = 64, PrepackWeights = false });
        Tensor x = ModelHarness.RandomInput(batch, 784, 6);
        AssertBitIdentical(plain.Forward(x).ToArray(), packed.Forward(x).ToArray());
    }

    [Fact]
    public void LeNet_ForwardAfterTrainStep_EqualsFreshCompile()
    {
        var model = new LeNet5();
        model.Initialize(7);
        var options = new CompileOptions { MaxBatch = 16 };
        using var compiled = model.Compile(options);
        Tensor x = ModelHarness.RandomInput(16, [1, 28, 28], 8);
        compiled.Forward(x);
        compiled.TrainStep(x, ModelHarness.RandomLabels(16, 10, 9), new Adam(model.Parameters(), lr: 1e-2));
        float[] actual = compiled.Forward(x).ToArray();
        using var fresh = model.Compile(options);
        AssertBitIdentical(fresh.Forward(x).ToArray(), actual);
    }

    private static MnistMlp NewMlp()
    {
        var model = new MnistMlp();
        model.Initialize(11);
        return model;
    }

    private static void AssertEqualsFreshCompile(MnistMlp model, Tensor output, Tensor x, CompileOptions options)
    {
        float[] actual = output.ToArray();
        using var fresh = model.Compile(options);
        AssertBitIdentical(fresh.Forward(x).ToArray(), actual);
    }

    private static void AssertBitIdentical(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"element {i}: {actual[i]}, a fresh compile gives {expected[i]}");
        }
    }
}
