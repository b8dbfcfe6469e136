using ModelGen.Kernels;
using ModelGen.Quantization;
using Xunit;
using Xunit.Abstractions;
using static ModelGen.Ops;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// Three int8 convolutions followed by max pooling: one the compiler fuses (a 2×2 pooling, the convolution's only
/// reader) and two it must not (the convolution's output is read twice; the window is 3×3).
/// </summary>
[Model]
public sealed partial class PooledConvNet
{
    readonly Conv2d first = new(2, 16, 3, padding: 1);
    readonly MaxPool2d pool = new(2);
    readonly Conv2d second = new(16, 8, 3, padding: 1);
    readonly Conv2d third = new(16, 16, 1);
    readonly MaxPool2d window = new(3);
    readonly Linear headA = new(8 * 6 * 6, 4);
    readonly Linear headB = new(8 * 3 * 3, 4);
    readonly Linear headC = new(16 * 2 * 2, 4);

    public Tensor Forward([Shape("B", 2, 12, 12)] Tensor x)
    {
        var h = pool.Forward(Relu(first.Forward(x)));   // fused: [B, 16, 6, 6]
        var c = second.Forward(h);                       // read by Flatten and by the pooling: not fused
        var w = window.Forward(third.Forward(h));        // a 3×3 window: not fused
        return headA.Forward(Flatten(c)) + headB.Forward(Flatten(pool.Forward(c))) + headC.Forward(Flatten(w));
    }
}

public class Int8PoolFusionTests(ITestOutputHelper output)
{
    [Fact]
    public void Compile_Int8_FusesOnlyTheTwoByTwoPoolingThatAloneReadsItsConvolution()
    {
        var model = new PooledConvNet();
        model.Initialize(2);
        var random = new Random(5);
        Tensor Batch(int rows) => Tensor.FromArray(Enumerable.Range(0, rows * 2 * 12 * 12).Select(_ => (float)(random.NextDouble() * 2 - 0.5)).ToArray(), rows, 2, 12, 12);
        Tensor calibration = Batch(16), x = Batch(9);
        using var float32 = model.Compile(new CompileOptions { MaxBatch = 16 });
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 16, Quantization = QuantizationOptions.Int8([calibration]) });
        output.WriteLine(int8.Int8!.Report.ToString());

        var convolutions = int8.Int8.Layers.OfType<Int8Conv2d>().ToDictionary(l => l.Layer);
        Assert.Equal(["first", "second", "third"], convolutions.Keys);
        Assert.Equal(new Pool2dGeometry(16, 12, 12, 2, 2, 2, 2, 0, 0), convolutions["first"].MaxPool);
        Assert.Null(convolutions["second"].MaxPool);
        Assert.Null(convolutions["third"].MaxPool);
        Assert.Contains("max pool fused", int8.Int8.Report.Layers.Single(l => l.Layer == "first").Detail);
        Assert.DoesNotContain("max pool fused", int8.Int8.Report.Layers.Single(l => l.Layer == "second").Detail);

        QuantizationData.AssertCloseToFloat32(output, float32.Forward(x), int8.Forward(x), tolerance: 0.05);
    }
}
