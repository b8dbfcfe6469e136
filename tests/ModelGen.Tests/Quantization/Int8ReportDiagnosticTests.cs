using Microsoft.CodeAnalysis;
using ModelGen.Tests.Generator;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Quantization;

/// <summary>The opt-in int8 report (MG2002) at the model's name: the kernels that run int8 and those that stay float32.</summary>
public class Int8ReportDiagnosticTests(ITestOutputHelper output)
{
    [Fact]
    public void ReportTrue_LeNet5_NamesInt8LinearsAndFloat32Convolutions()
    {
        string source = TestModels.LeNet5.Replace("[Model]", "[Model(Report = true)]");
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Diagnostic report = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "MG2002");
        string message = report.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine(message);
        Assert.Equal(DiagnosticSeverity.Info, report.Severity);
        Assert.Equal("LeNet5", source.Substring(report.Location.SourceSpan.Start, report.Location.SourceSpan.Length));
        Assert.StartsWith("LeNet5: with CompileOptions.Quantization, 3 kernels run int8: matmul+bias+relu (fc1), matmul+bias+relu (fc2), matmul+bias (head); ", message);
        Assert.Contains("stay float32: ", message);
        Assert.Contains("(conv1)", message.Substring(message.IndexOf("stay float32", StringComparison.Ordinal)));
    }

    [Fact]
    public void ReportOmitted_NoInt8Report()
        => Assert.DoesNotContain(GeneratorHarness.Run(TestModels.LeNet5).GeneratorDiagnostics, d => d.Id == "MG2002");
}
