using Microsoft.CodeAnalysis;
using ModelGen.Tests.Generator;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Quantization;

/// <summary>The opt-in int8 report (MG2002) at the model's name: the kernels that run int8 and those that stay float32.</summary>
public class Int8ReportDiagnosticTests(ITestOutputHelper output)
{
    [Fact]
    public void ReportTrue_LeNet5_NamesInt8ConvsAndLinearsAndFloat32Pooling()
    {
        string source = TestModels.LeNet5.Replace("[Model]", "[Model(Report = true)]");
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Diagnostic report = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "MG2002");
        string message = report.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine(message);
        Assert.Equal(DiagnosticSeverity.Info, report.Severity);
        Assert.Equal("LeNet5", source.Substring(report.Location.SourceSpan.Start, report.Location.SourceSpan.Length));
        // conv1 has 6 output channels, stride 1 and a 5×5 kernel: the narrow int8 kernel runs it.
        Assert.Equal("LeNet5: with CompileOptions.Quantization, 5 kernels run int8: conv2d+relu (conv1) with max_pool2d (pool1) fused, " +
                     "conv2d+relu (conv2) with max_pool2d (pool2) fused, matmul+bias+relu (fc1), matmul+bias+relu (fc2), matmul+bias (head); " +
                     "1 stays float32: reshape", message);
    }

    [Fact]
    public void ReportTrue_StridedDilatedGroupedAndNarrowConvolutions_GroupsOneWideOrNarrowStrideOneRunInt8()
    {
        const string source = """
            using ModelGen;
            using static ModelGen.Ops;
            [Model(Report = true)]
            public sealed partial class Convs
            {
                readonly Conv2d wide = new(3, 16, 3, stride: 2, padding: 1, dilation: 2);
                readonly Conv2d grouped = new(16, 32, 3, padding: 1, groups: 4);
                readonly Conv2d narrow = new(32, 8, 1);
                readonly Conv2d few = new(8, 4, 3, padding: 1);
                readonly Conv2d fewStrided = new(4, 4, 3, stride: 2);
                public Tensor Forward([Shape("B", 3, 15, 15)] Tensor x) => fewStrided.Forward(few.Forward(narrow.Forward(grouped.Forward(Relu(wide.Forward(x))))));
            }
            """;
        Diagnostic report = Assert.Single(GeneratorHarness.Run(source).GeneratorDiagnostics, d => d.Id == "MG2002");
        string message = report.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine(message);
        // Under 16 output channels only stride 1, dilation 1 and a kernel of at least 3×3 run int8 (the narrow kernel).
        Assert.Equal("Convs: with CompileOptions.Quantization, 2 kernels run int8: conv2d+relu (wide), conv2d (few); " +
                     "3 stay float32: conv2d (grouped), conv2d (narrow), conv2d (fewStrided)", message);
    }

    [Fact]
    public void ReportOmitted_NoInt8Report()
        => Assert.DoesNotContain(GeneratorHarness.Run(TestModels.LeNet5).GeneratorDiagnostics, d => d.Id == "MG2002");
}
