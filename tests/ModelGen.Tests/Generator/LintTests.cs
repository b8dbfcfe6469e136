using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>The modelling-mistake warnings, each with its id, exact span (marked [| |]) and message; clean models get none.</summary>
public class LintTests
{
    private static void AssertSingleLint(string markedSource, string id, string message)
    {
        int start = markedSource.IndexOf("[|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", StringComparison.Ordinal) - 2;
        string source = GeneratorHarness.Usings + markedSource.Replace("[|", "").Replace("|]", "");
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Assert.Empty(result.ModelDiagnostics);
        Assert.Empty(result.CompilationErrors);
        Diagnostic lint = Assert.Single(result.Lints);
        Assert.Equal(id, lint.Id);
        Assert.Equal(DiagnosticSeverity.Warning, lint.Severity);
        Assert.Equal(start + GeneratorHarness.Usings.Length, lint.Location.SourceSpan.Start);
        Assert.Equal(end - start, lint.Location.SourceSpan.Length);
        Assert.Equal(message, lint.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Single(result.Sources);   // a warning never stops code generation
    }

    [Theory]
    [InlineData("Softmax")]
    [InlineData("LogSoftmax")]
    public void SoftmaxIntoCrossEntropy_MG1001AtTheSoftmax(string squash)
        => AssertSingleLint($$"""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => [|{{squash}}(fc.Forward(x))|];
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => CrossEntropy(p, y);
            }
            """, "MG1001", $"CrossEntropy expects logits, but receives the output of {squash}: it applies log-softmax itself, so the scores are squashed twice; pass the logits");

    [Fact]
    public void SigmoidIntoBceWithLogits_MG1002AtTheSigmoid()
        => AssertSingleLint("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => [|Sigmoid(fc.Forward(x))|];
                [Loss] public Tensor Loss(Tensor p, [Shape("B", 3)] Tensor t) => BCEWithLogits(p, t);
            }
            """, "MG1002", "BCEWithLogits expects logits, but receives the output of Sigmoid: it applies the sigmoid itself; pass the logits");

    [Fact]
    public void LogOfSoftmax_MG1003AtTheLog()
        => AssertSingleLint("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => [|Log(Softmax(fc.Forward(x)))|];
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => NllLoss(p, y);
            }
            """, "MG1003", "Log(Softmax(x)) is numerically unstable: Softmax can round to 0 and Log then gives -infinity; use LogSoftmax(x)");

    [Theory]
    [InlineData("readonly Linear fc = new(4, 6);", "Linear", "BatchNorm1d", "\"B\", 4")]
    [InlineData("readonly Conv2d fc = new(2, 6, 3);", "Conv2d", "BatchNorm2d", "\"B\", 2, 5, 5")]
    public void BiasBeforeBatchNorm_MG1004AtTheLayerDeclaration(string declaration, string kind, string norm, string shape)
    {
        string field = declaration.Substring("readonly ".Length + kind.Length + 1).TrimEnd(';');
        AssertSingleLint($$"""
            [Model]
            public partial class M
            {
                readonly {{kind}} [|{{field}}|];
                readonly {{norm}} bn = new(6);
                public Tensor Forward([Shape({{shape}})] Tensor x) => Relu(bn.Forward(fc.Forward(x)));
            }
            """, "MG1004", "The bias of 'fc' is cancelled by batch norm 'bn', which subtracts the batch mean; declare 'fc' with bias: false");
    }

    [Fact]
    public void TwoLinearMapsWithoutNonlinearity_MG1005AtTheSecondCall()
        => AssertSingleLint("""
            [Model]
            public partial class M
            {
                readonly Linear fc1 = new(4, 8);
                readonly Linear fc2 = new(8, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => [|fc2.Forward(fc1.Forward(x))|];
            }
            """, "MG1005", "'fc2' follows 'fc1' with no nonlinearity between them, so the two collapse into one linear map; add an activation such as Relu");

    [Fact]
    public void UnusedLayer_MG1006AtTheDeclaration()
        => AssertSingleLint("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 3);
                readonly Linear [|spare = new(3, 3)|];
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
            }
            """, "MG1006", "Layer 'spare' is declared but Forward never uses it, so its parameters never train; use it or remove it");

    [Fact]
    public void DropoutBeforeOutput_MG1007AtTheDropout()
        => AssertSingleLint("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 3);
                readonly Dropout drop = new(0.5f);
                public Tensor Forward([Shape("B", 4)] Tensor x) => [|drop.Forward(fc.Forward(x))|];
            }
            """, "MG1007", "Dropout 'drop' right before the output zeroes predictions while training; apply it to hidden features instead");

    [Fact]
    public void BatchNormAfterDropout_MG1007AtTheBatchNorm()
        => AssertSingleLint("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 6, bias: false);
                readonly Dropout drop = new(0.5f);
                readonly BatchNorm1d bn = new(6);
                readonly Linear head = new(6, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => head.Forward(Relu([|bn.Forward(drop.Forward(Relu(fc.Forward(x))))|]));
            }
            """, "MG1007", "Batch norm 'bn' right after dropout 'drop' learns statistics of dropped activations that inference never sees; put the dropout after the batch norm");

    [Fact]
    public void ReshapeThatSwapsAxes_MG1008SuggestsThePermute()
        => AssertSingleLint("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4, 6)] Tensor x) => fc.Forward([|Reshape(x, -1, 6, 4)|]);
            }
            """, "MG1008", "Reshape from [B, 4, 6] to [B, 6, 4] reinterprets memory rather than swapping axes; if a transpose is meant, use Permute(x, 0, 2, 1)");

    [Fact]
    public void CrossEntropy_OneHotTargets_ErrorSaysPassClassIndices()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + """
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
                [Loss] public Tensor Loss(Tensor logits, [Shape("B", 3)] Tensor oneHot) => CrossEntropy(logits, oneHot);
            }
            """);
        Assert.EndsWith("which looks one-hot encoded: pass each row's class index instead", Assert.Single(result.ModelDiagnostics).GetMessage());
    }

    [Fact]
    public void MseLoss_ClassLabels_ErrorSuggestsCrossEntropy()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + """
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
                [Loss] public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => MseLoss(logits, labels);
            }
            """);
        Diagnostic error = Assert.Single(result.ModelDiagnostics);
        Assert.Equal("MG0005", error.Id);
        Assert.EndsWith("for class labels use CrossEntropy, which takes one class index per row", error.GetMessage());
    }

    [Theory]
    [InlineData(nameof(TestModels.MnistMlp))]
    [InlineData(nameof(TestModels.LeNet5))]
    [InlineData(nameof(TestModels.Regressor))]
    public void SampleModels_HaveNoLints(string model)
    {
        string source = model == nameof(TestModels.MnistMlp) ? TestModels.MnistMlp : model == nameof(TestModels.LeNet5) ? TestModels.LeNet5 : TestModels.Regressor;
        Assert.Empty(GeneratorHarness.Run(source).Lints);
    }
}

/// <summary>The opt-in report (MG2001) at the model's name.</summary>
public class ModelReportTests
{
    [Fact]
    public void ReportTrue_MnistMlp_CountsParametersKeptActivationsAndFusedKernels()
    {
        string source = TestModels.MnistMlp.Replace("[Model]", "[Model(Report = true)]");
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Diagnostic report = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "MG2001");
        Assert.Equal(DiagnosticSeverity.Info, report.Severity);
        Assert.Equal("MnistMlp", source.Substring(report.Location.SourceSpan.Start, report.Location.SourceSpan.Length));
        // Kept: ReLU outputs 256 + 128 (their gradients and the next layer's weight gradient) and the 10 logits (cross-entropy).
        Assert.Equal("MnistMlp: 235,146 parameters (918.5 KiB); the backward keeps 394 activations per sample (1.5 KiB); " +
                     "compiled Forward runs 3 kernels: matmul+bias+relu (fc1), matmul+bias+relu (fc2), matmul+bias (head)",
                     report.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ReportTrue_ResidualWithoutBias_NamesTheResidualNotABias()
    {
        // fc1 has no bias, so its GEMM's third input is the residual x: the report must not call it a bias.
        const string source = GeneratorHarness.Usings + """
            namespace Demo
            {
                [Model(Report = true)]
                public sealed partial class ResidualNoBias
                {
                    readonly Linear fc1 = new(8, 8, bias: false);
                    readonly Linear head = new(8, 3);
                    public Tensor Forward([Shape("B", 8)] Tensor x) => head.Forward(fc1.Forward(x) + x);
                }
            }
            """;
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Diagnostic report = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "MG2001");
        Assert.EndsWith("compiled Forward runs 2 kernels: matmul+residual (fc1), matmul+bias (head)",
            report.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ReportOmitted_NoReport()
        => Assert.DoesNotContain(GeneratorHarness.Run(TestModels.MnistMlp).GeneratorDiagnostics, d => d.Id == "MG2001");

    private static IEnumerable<Diagnostic> ReportsWithProperty(string source, params (string, string)[] properties)
    {
        var driver = GeneratorHarness.Driver(new TestAnalyzerConfigOptionsProvider(properties)).RunGenerators(GeneratorHarness.Compilation(source));
        return driver.GetRunResult().Diagnostics.Where(d => d.Id == "MG2001");
    }

    [Fact]
    public void ModelGenReportProperty_True_ReportsEveryModelWithoutTheAttribute()
    {
        string second = TestModels.MnistMlp.Replace("class MnistMlp", "class OtherMlp");
        Diagnostic[] reports = ReportsWithProperty(TestModels.MnistMlp + "\n" + second.Substring(second.IndexOf("[Model]", StringComparison.Ordinal)),
            ("ModelGenReport", "true")).ToArray();
        Assert.Equal(new[] { "MnistMlp", "OtherMlp" }, reports.Select(r => r.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split(':')[0]).Order());
        Assert.All(reports, r => Assert.EndsWith("compiled Forward runs 3 kernels: matmul+bias+relu (fc1), matmul+bias+relu (fc2), matmul+bias (head)",
            r.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("false")]
    [InlineData("")]
    [InlineData("yes")]
    public void ModelGenReportProperty_NotTrue_NoReport(string value)
        => Assert.Empty(ReportsWithProperty(TestModels.MnistMlp, ("ModelGenReport", value)));

    [Fact]
    public void ModelGenReportProperty_TrueInAnyCase_Reports()
        => Assert.Single(ReportsWithProperty(TestModels.MnistMlp, ("ModelGenReport", " True ")));

    /// <summary>
    /// The compiler passes an MSBuild property to a generator only when a CompilerVisibleProperty item names it: the
    /// package must ship that item in build/ModelGen.props (NuGet imports build/&lt;id&gt;.props), and the repository
    /// imports the same file for its own projects.
    /// </summary>
    [Fact]
    public void ModelGenReportProperty_Wiring_PropsShippedInPackageAndImportedInRepository()
    {
        string root = Path.GetFullPath(Path.Combine(ThisDirectory(), "..", "..", ".."));
        var props = System.Xml.Linq.XDocument.Load(Path.Combine(root, "runtime", "build", "ModelGen.props"));
        Assert.Contains(props.Descendants("CompilerVisibleProperty"), e => (string?)e.Attribute("Include") == ModelGen.Generator.ModelGenerator.ReportProperty);

        var runtime = System.Xml.Linq.XDocument.Load(Path.Combine(root, "runtime", "ModelGen.csproj"));
        Assert.Equal("ModelGen", runtime.Descendants("PackageId").Single().Value);
        var packed = runtime.Descendants("None").Single(e => (string?)e.Attribute("Include") == "build/ModelGen.props");
        Assert.Equal("true", (string?)packed.Attribute("Pack"));
        Assert.Contains("build/ModelGen.props", ((string?)packed.Attribute("PackagePath") ?? "").Split(';'));

        var targets = System.Xml.Linq.XDocument.Load(Path.Combine(root, "Directory.Build.targets"));
        Assert.Contains(targets.Descendants("Import"), e => ((string?)e.Attribute("Project") ?? "").EndsWith("runtime/build/ModelGen.props", StringComparison.Ordinal));
    }

    private static string ThisDirectory([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}
