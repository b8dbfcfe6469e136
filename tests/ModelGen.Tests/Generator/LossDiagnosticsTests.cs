using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>The shape rules of the axis reductions and of the losses added with them: id, span and message.</summary>
public class LossDiagnosticsTests
{
    private static void AssertSingle(string markedSource, string id, string message)
    {
        int start = markedSource.IndexOf("[|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", StringComparison.Ordinal) - 2;
        string source = GeneratorHarness.Usings + markedSource.Replace("[|", "").Replace("|]", "");
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(source).ModelDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(start + GeneratorHarness.Usings.Length, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(end - start, diagnostic.Location.SourceSpan.Length);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Model(string forward, string loss) => $$"""
        [Model]
        public partial class M
        {
            readonly Linear fc = new(6, 4);
            public Tensor Forward([Shape("B", 6)] Tensor x) => {{forward}};
            [Loss]
            public Tensor Loss(Tensor p, [Shape("B", 3)] Tensor t) => {{loss}};
        }
        """;

    [Fact]
    public void SumAxis_OutOfRange_MG0009NamesTheValidAxes()
        => AssertSingle(Model("[|Ops.Sum(fc.Forward(x), 2)|]", "Ops.Mean(p)"),
            "MG0009", "Sum expects an axis from -2 to 1 for [B, 4] from fc's output (line 7) but receives axis 2");

    [Fact]
    public void MaxAxis_NegativeOutOfRange_MG0009InTheLoss()
        => AssertSingle(Model("fc.Forward(x)", "Ops.Mean([|Ops.Max(p, -3, keepDims: true)|])"),
            "MG0009", "Max expects an axis from -2 to 1 for [B, 4] from fc's output (line 7) but receives axis -3");

    [Theory]
    [InlineData("L1Loss", "prediction")]
    [InlineData("SmoothL1Loss", "prediction")]
    [InlineData("HuberLoss", "prediction")]
    [InlineData("BCEWithLogits", "logits")]
    [InlineData("KLDiv", "input")]
    public void PairLoss_ShapesDiffer_MG0005NamesBothShapes(string loss, string role)
        => AssertSingle(Model("fc.Forward(x)", $"[|Ops.{loss}(p, t)|]"),
            "MG0005", $"{loss} cannot take these inputs: the target must have the shape [B, 4] of the {role}, fc's output (line 7), but 't' (line 9) is [B, 3]");

    [Fact]
    public void NllLoss_LabelsNotMatchingRows_MG0005()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(6, 4);
                public Tensor Forward([Shape("B", 6)] Tensor x) => fc.Forward(x);
                [Loss]
                public Tensor Loss(Tensor p, [Shape("B", 2)] Tensor labels) => [|Ops.NllLoss(p, labels)|];
            }
            """, "MG0005", "NllLoss cannot take these inputs: labels must be class indices of shape [B] to match log-probabilities [B, 4], but 'labels' is [B, 2]");

    [Fact]
    public void CrossEntropy_SmoothingAboveOne_MG0009()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(6, 4);
                public Tensor Forward([Shape("B", 6)] Tensor x) => fc.Forward(x);
                [Loss]
                public Tensor Loss(Tensor p, [Shape("B")] Tensor labels) => [|Ops.CrossEntropy(p, labels, 1.5f)|];
            }
            """, "MG0009", "CrossEntropy expects a labelSmoothing from 0 to 1 but receives 1.5");
}
