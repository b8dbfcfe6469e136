using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>Shape and declaration diagnostics of LayerNorm, with exact ids, spans and messages.</summary>
public class LayerNormDiagnosticsTests
{
    private static Diagnostic AssertSingle(string markedSource, string id, string message)
    {
        int start = markedSource.IndexOf("[|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", StringComparison.Ordinal) - 2;
        string source = GeneratorHarness.Usings + markedSource.Replace("[|", "").Replace("|]", "");
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(source).ModelDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(start + GeneratorHarness.Usings.Length, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(end - start, diagnostic.Location.SourceSpan.Length);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        return diagnostic;
    }

    [Fact]
    public void LayerNorm_LastAxisDiffers_MG0001NamesBothAndTheSource()
    {
        Diagnostic diagnostic = AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Linear fc1 = new(10, 64);
                readonly LayerNorm ln = new(128);
                public Tensor Forward([Shape("B", 10)] Tensor x) => [|ln.Forward(fc1.Forward(x))|];
            }
            """, "MG0001", "ln expects 128 input features but receives [B, 64]: 64 is fc1's output (line 8)");
        // The code fix rewrites normalizedShape to the size that fits.
        Assert.Equal("normalizedShape", diagnostic.Properties["Argument"]);
        Assert.Equal("64", diagnostic.Properties["Value"]);
    }

    [Fact]
    public void LayerNorm_OnSequenceWithWrongLastAxis_MG0001()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly LayerNorm ln = new(6);
                public Tensor Forward([Shape("B", 4, 5)] Tensor x) => [|ln.Forward(x)|];
            }
            """, "MG0001", "ln expects 6 input features but receives [B, 4, 5]: 5 is input 'x' (line 7)");

    [Fact]
    public void LayerNorm_NonPositiveNormalizedShape_MG0007AtTheField()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly LayerNorm [|ln = new(0)|];
                public Tensor Forward([Shape("B", 4)] Tensor x) => ln.Forward(x);
            }
            """, "MG0007", "Layer 'ln': normalizedShape must be a positive integer, but is 0");
}
