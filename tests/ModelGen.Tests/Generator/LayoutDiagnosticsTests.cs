using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>Shape diagnostics of the layout and resampling ops, with exact spans and messages.</summary>
public class LayoutDiagnosticsTests
{
    private static void AssertSingle(string forwardBody, string id, string message, string input = "\"B\", 6, 14, 14", string fields = "")
    {
        string marked = $$"""
            [Model]
            public partial class M
            {
                {{fields}}
                public Tensor Forward([Shape({{input}})] Tensor x) => {{forwardBody}};
            }
            """;
        int start = marked.IndexOf("[|", StringComparison.Ordinal);
        int end = marked.IndexOf("|]", StringComparison.Ordinal) - 2;
        string source = GeneratorHarness.Usings + marked.Replace("[|", "").Replace("|]", "");
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(source).ModelDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(start + GeneratorHarness.Usings.Length, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(end - start, diagnostic.Location.SourceSpan.Length);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Reshape_MergesTheBatch_MG0009SaysSo()
        => AssertSingle("[|Reshape(x, 6, -1)|]", "MG0009",
            "Reshape to [6, -1] expects -1 as the first size and only there, so that the symbolic batch B stays the leading dimension (a reshape cannot move or merge the batch) but receives [B, 6, 14, 14] from input 'x' (line 7)");

    [Fact]
    public void Reshape_SizesDoNotMultiplyOut_MG0009NamesBothShapes()
        => AssertSingle("[|Reshape(x, -1, 6, 14, 15)|]", "MG0009",
            "Reshape to [-1, 6, 14, 15] expects an input of 1260 elements per sample to match [-1, 6, 14, 15] but receives [B, 6, 14, 14] (1176 elements per sample) from input 'x' (line 7)");

    [Fact]
    public void Permute_MovesTheBatch_MG0009()
        => AssertSingle("[|Permute(x, 1, 0, 2, 3)|]", "MG0009",
            "Permute(1, 0, 2, 3) expects the batch axis 0 to stay first (compiled models keep the symbolic batch B leading) but receives [B, 6, 14, 14] from input 'x' (line 7)");

    [Fact]
    public void Permute_RepeatsAnAxis_MG0009()
        => AssertSingle("[|Permute(x, 0, 1, 1, 3)|]", "MG0009",
            "Permute(0, 1, 1, 3) expects a tensor of rank 4 (at most 8) whose axes the dims list once each but receives [B, 6, 14, 14] from input 'x' (line 7)");

    [Fact]
    public void Transpose_WithTheBatch_MG0009()
        => AssertSingle("[|Transpose(x, 0, 2)|]", "MG0009",
            "Transpose(0, 2) expects the batch axis 0 to stay first (compiled models keep the symbolic batch B leading) but receives [B, 6, 14, 14] from input 'x' (line 7)");

    [Fact]
    public void Concat_OtherAxisDiffers_MG0009NamesTheFirstDifferingAxis()
        => AssertSingle("[|Concat(x, pool.Forward(x), 1)|]", "MG0009",
            "Concat along axis 1 expects tensors that match in every other axis but receives [B, 6, 14, 14] and [B, 6, 12, 12], which differ in axis 2: 14 is input 'x' (line 7), 12 is pool's output (line 7)",
            fields: "readonly MaxPool2d pool = new(3, stride: 1);");

    [Fact]
    public void Concat_AlongTheBatch_MG0009()
        => AssertSingle("[|Concat(x, x, 0)|]", "MG0009",
            "Concat along axis 0 expects an axis other than the batch axis 0 (compiled models keep the symbolic batch B leading) but receives [B, 6, 14, 14] from input 'x' (line 7) and [B, 6, 14, 14] from input 'x' (line 7)");

    [Fact]
    public void Slice_AlongTheBatch_MG0009()
        => AssertSingle("[|Slice(x, 0, 0, 1)|]", "MG0009",
            "Slice(axis 0, start 0, length 1) expects an axis other than the batch axis 0 (compiled models keep the symbolic batch B whole) but receives [B, 6, 14, 14] from input 'x' (line 7)");

    [Fact]
    public void Slice_PastTheEnd_MG0009()
        => AssertSingle("[|Slice(x, 1, 4, 3)|]", "MG0009",
            "Slice(axis 1, start 4, length 3) expects axis 1 to hold positions 4 to 6 but receives [B, 6, 14, 14] from input 'x' (line 7)");

    [Fact]
    public void GlobalAvgPool_NotImages_MG0009()
        => AssertSingle("[|GlobalAvgPool(x)|]", "MG0009", "GlobalAvgPool expects images [N, C, H, W] but receives [B, 84] from input 'x' (line 7)", input: "\"B\", 84");

    [Fact]
    public void AdaptiveAvgPool2d_NotImages_MG0009()
        => AssertSingle("[|pool.Forward(x)|]", "MG0009", "pool expects images [N, C, H, W] but receives [B, 84] from input 'x' (line 7)",
            input: "\"B\", 84", fields: "readonly AdaptiveAvgPool2d pool = new(2);");

    [Fact]
    public void Upsample_ZeroScale_MG0009()
        => AssertSingle("[|Upsample(x, 0)|]", "MG0009",
            "Upsample by 0 expects a positive scale that keeps each side at most 65536 pixels but receives [B, 6, 14, 14] from input 'x' (line 7)");
}
