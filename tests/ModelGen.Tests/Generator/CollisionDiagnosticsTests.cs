using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// MG0018: a user's member that takes the name of a member ModelGen generates. One error at the member, with its exact
/// span and message, and no generated source for the class.
/// </summary>
public class CollisionDiagnosticsTests
{
    private static void AssertSingle(string markedSource, string message)
    {
        int start = markedSource.IndexOf("[|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", StringComparison.Ordinal) - 2;
        string source = GeneratorHarness.Usings + markedSource.Replace("[|", "").Replace("|]", "");
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("MG0018", diagnostic.Id);
        Assert.Equal(GeneratorHarness.Usings.Length + start, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(end - start, diagnostic.Location.SourceSpan.Length);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("docs/diagnostics/MG0018.md", diagnostic.Descriptor.HelpLinkUri);
        Assert.Empty(result.Sources);
        // Nothing generated, so nothing of ModelGen's fails to compile: only the user's own code is left.
        Assert.DoesNotContain(result.CompilationErrors, e => e.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    private const string Forward = "    readonly Linear fc = new(4, 2);\n    public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x);\n";

    [Fact]
    public void Model_ParametersMethod_MG0018AtTheMethod()
        => AssertSingle("[Model] public partial class M\n{\n" + Forward + "    public System.Collections.Generic.List<Parameter> [|Parameters|]() => new();\n}",
            "'Parameters' collides with the method Parameters(), which ModelGen generates for model 'M'; rename it");

    [Fact]
    public void Model_InitializeWithSameParameters_MG0018AtTheMethod()
        => AssertSingle("[Model] public partial class M\n{\n" + Forward + "    public void [|Initialize|](int s) { }\n}",
            "'Initialize' collides with the method Initialize(int seed), which ModelGen generates for model 'M'; rename it");

    [Fact]
    public void Model_LayersField_MG0018AtTheField()
        => AssertSingle("[Model] public partial class M\n{\n" + Forward + "    readonly int [|Layers|] = 2;\n}",
            "'Layers' collides with the method Layers(), which ModelGen generates for model 'M'; rename it");

    [Fact]
    public void Model_GraphProperty_MG0018AtTheProperty()
        => AssertSingle("[Model] public partial class M\n{\n" + Forward + "    public static string [|Graph|] => \"m\";\n}",
            "'Graph' collides with the static property Graph, which ModelGen generates for model 'M'; rename it");

    [Fact]
    public void Model_CompileMethod_MG0018AtTheMethod()
        => AssertSingle("[Model] public partial class M\n{\n" + Forward + "    public object [|Compile|](CompileOptions? o = null) => this;\n}",
            "'Compile' collides with the method Compile(CompileOptions? options), which ModelGen generates for model 'M'; rename it");

    [Fact]
    public void Model_CompiledNestedClass_MG0018AtTheClass()
        => AssertSingle("[Model] public partial class M\n{\n" + Forward + "    public sealed class [|Compiled|] { }\n}",
            "'Compiled' collides with the nested class Compiled, which ModelGen generates for model 'M'; rename it");

    [Fact]
    public void Model_ClassNamedGraph_MG0018AtTheClassName()
        => AssertSingle("[Model] public partial class [|Graph|]\n{\n" + Forward + "}",
            "'Graph' collides with the static property Graph, which ModelGen generates for model 'Graph'; rename it");

    [Fact]
    public void Model_ClassNamedCompiled_MG0018AtTheClassName()
        => AssertSingle("namespace N;\n[Model] public partial class [|Compiled|]\n{\n" + Forward + "}",
            "'Compiled' collides with the nested class Compiled, which ModelGen generates for model 'Compiled'; rename it");

    [Fact]
    public void Block_ResetParametersMethod_MG0018AtTheMethod()
        => AssertSingle("[Module] public partial class Block\n{\n    readonly Linear fc = new(4, 4);\n    public Tensor Forward(Tensor x) => fc.Forward(x);\n    public void [|ResetParameters|](Rng r) { }\n}",
            "'ResetParameters' collides with the method ResetParameters(Rng rng), which ModelGen generates for block 'Block'; rename it");

    [Fact]
    public void Block_NamedParametersProperty_MG0018AtTheProperty()
        => AssertSingle("[Module] public partial class Block\n{\n    readonly Linear fc = new(4, 4);\n    public Tensor Forward(Tensor x) => fc.Forward(x);\n    public int [|NamedParameters|] => 0;\n}",
            "'NamedParameters' collides with the method NamedParameters(), which ModelGen generates for block 'Block'; rename it");

    [Fact]
    public void Model_OverloadWithOtherParameters_DoesNotCollide()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(GeneratorHarness.Usings +
            "[Model] public partial class M\n{\n" + Forward + "    public void Initialize(int seed, float gain) => Initialize(seed);\n    public void Layers(string prefix) { }\n}");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationErrors);
        Assert.Single(result.Sources);
    }
}
