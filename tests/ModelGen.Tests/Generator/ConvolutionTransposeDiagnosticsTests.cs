using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>Shape and declaration diagnostics of ConvTranspose2d, with exact ids, spans and messages.</summary>
public class ConvolutionTransposeDiagnosticsTests
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

    [Fact]
    public void ConvTranspose2d_ChannelsDiffer_MG0009NamesBothAndTheSource()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Conv2d down = new(1, 6, 3, stride: 2);
                readonly ConvTranspose2d up = new(8, 1, 2, stride: 2);
                public Tensor Forward([Shape("B", 1, 9, 9)] Tensor x) => [|up.Forward(down.Forward(x))|];
            }
            """, "MG0009", "up expects 8 input channels but receives [B, 6, 4, 4]: 6 is down's output (line 8)");

    [Fact]
    public void ConvTranspose2d_OutputPaddingNotBelowStrideOrDilation_MG0007AtTheField()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly ConvTranspose2d [|up = new(4, 2, 3, stride: 2, outputPadding: 2)|];
                public Tensor Forward([Shape("B", 4, 5, 5)] Tensor x) => up.Forward(x);
            }
            """, "MG0007", "Layer 'up': outputPadding (2) must be non-negative and smaller than either stride (2) or dilation (1)");

    [Fact]
    public void ConvTranspose2d_PaddingEatsTheOutput_MG0009()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly ConvTranspose2d up = new(3, 2, 1, padding: 1);
                public Tensor Forward([Shape("B", 3, 1, 4)] Tensor x) => [|up.Forward(x)|];
            }
            """, "MG0009", "up expects an image whose output (H - 1)*1 - 2 + 1 is at least 1 pixel in each direction but receives [B, 3, 1, 4] from input 'x' (line 7)");

    [Fact]
    public void ConvTranspose2d_ChannelsNotDivisibleByGroups_MG0007AtTheField()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly ConvTranspose2d [|up = new(6, 8, 3, groups: 4)|];
                public Tensor Forward([Shape("B", 6, 8, 8)] Tensor x) => up.Forward(x);
            }
            """, "MG0007", "Layer 'up': inChannels (6) and outChannels (8) must both be divisible by groups (4)");
}
