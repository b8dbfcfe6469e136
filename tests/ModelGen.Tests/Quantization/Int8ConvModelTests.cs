using ModelGen.Quantization;
using Xunit;
using Xunit.Abstractions;
using static ModelGen.Ops;

namespace ModelGen.Tests.Quantization;

/// <summary>A compiled model whose int8 convolutions have stride, padding and dilation, against its float32 Forward.</summary>
[Model]
public sealed partial class StridedConvNet
{
    readonly Conv2d wide = new(3, 16, 3, stride: 2, padding: 1, dilation: 2);
    readonly Conv2d deep = new(16, 24, 3, padding: 1);
    readonly Linear head = new(24 * 6 * 6, 5);

    public Tensor Forward([Shape("B", 3, 13, 13)] Tensor x) => head.Forward(Flatten(deep.Forward(Relu(wide.Forward(x)))));
}

public class Int8ConvModelTests(ITestOutputHelper output)
{
    [Fact]
    public void Int8StridedConvNet_Forward_CloseToFloat32WithBothConvolutionsInt8()
    {
        var model = new StridedConvNet();
        model.Initialize(4);
        var random = new Random(3);
        Tensor Batch(int rows) => Tensor.FromArray(Enumerable.Range(0, rows * 3 * 13 * 13).Select(_ => (float)(random.NextDouble() * 2 - 0.5)).ToArray(), rows, 3, 13, 13);
        Tensor calibration = Batch(16), x = Batch(7);
        using var float32 = model.Compile(new CompileOptions { MaxBatch = 16 });
        using var int8 = model.Compile(new CompileOptions { MaxBatch = 16, Quantization = QuantizationOptions.Int8([calibration]) });
        output.WriteLine(int8.Int8!.Report.ToString());
        Assert.Equal(["wide", "deep", "head"], int8.Int8.Layers.Select(l => l.Layer));

        QuantizationData.AssertCloseToFloat32(output, float32.Forward(x), int8.Forward(x), tolerance: 0.05);
    }
}
