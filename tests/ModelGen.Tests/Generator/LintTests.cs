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
    public void ReportOmitted_NoReport()
        => Assert.DoesNotContain(GeneratorHarness.Run(TestModels.MnistMlp).GeneratorDiagnostics, d => d.Id == "MG2001");
}
