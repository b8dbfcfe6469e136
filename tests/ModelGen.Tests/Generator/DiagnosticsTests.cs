using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// Each diagnostic with its id, its exact span (marked [| |] in the source) and its message.
/// </summary>
public class DiagnosticsTests
{
    private static void AssertSingle(string markedSource, string id, string message)
    {
        int start = markedSource.IndexOf("[|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", StringComparison.Ordinal) - 2;
        string source = markedSource.Replace("[|", "").Replace("|]", "");
        GeneratorHarness.Result result = GeneratorHarness.Run(GeneratorHarness.Usings + source);
        Diagnostic diagnostic = Assert.Single(result.ModelDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        int prefix = GeneratorHarness.Usings.Length;
        Assert.Equal(source.Substring(start, end - start), (GeneratorHarness.Usings + source).Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal(start + prefix, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Empty(result.Sources);
    }

    private const string Head = """
        [Model]
        public partial class M
        {
            readonly Linear fc1 = new(784, 128);
            readonly Linear fc2 = new(256, 10);

        """;

    [Fact]
    public void LayerInput_FeaturesDiffer_MG0001NamesLayerDimsAndSource()
        => AssertSingle(Head + """
                public Tensor Forward([Shape("B", 784)] Tensor x)
                {
                    var h = Relu(fc1.Forward(x));
                    return [|fc2.Forward(h)|];
                }
            }
            """, "MG0001", "fc2 expects 256 input features but receives [B, 128]: 128 is fc1's output (line 10)");

    [Fact]
    public void LayerInput_FromInputDirectly_MG0001NamesTheInput()
        => AssertSingle(Head + """
                public Tensor Forward([Shape("B", 784)] Tensor x) => [|fc2.Forward(x)|];
            }
            """, "MG0001", "fc2 expects 256 input features but receives [B, 784]: 784 is input 'x' (line 8)");

    [Fact]
    public void Input_WithoutShape_MG0003AtTheParameter()
        => AssertSingle(Head + """
                public Tensor Forward(Tensor [|x|]) => fc1.Forward(x);
            }
            """, "MG0003", "Parameter 'x' of Forward needs a [Shape(...)] attribute, e.g. [Shape(\"B\", 784)]");

    [Fact]
    public void Shape_SameNameTwice_MG0004AtTheAttribute()
        => AssertSingle(Head + """
                public Tensor Forward([[|Shape("B", "B")|]] Tensor x) => fc1.Forward(x);
            }
            """, "MG0004", "Invalid [Shape] on 'x': the dimension 'B' is named twice; each named dimension of a tensor is a different axis");

    [Fact]
    public void Shape_NonPositive_MG0004AtTheAttribute()
        => AssertSingle(Head + """
                public Tensor Forward([[|Shape("B", 0)|]] Tensor x) => fc1.Forward(x);
            }
            """, "MG0004", "Invalid [Shape] on 'x': each dimension must be a positive int or a name such as \"B\", but got 0");

    [Fact]
    public void CrossEntropy_LabelsOfWrongShape_MG0005AtTheLoss()
        => AssertSingle(Head + """
                public Tensor Forward([Shape("B", 784)] Tensor x) => fc1.Forward(x);
                [Loss]
                public Tensor Loss(Tensor logits, [Shape("B", 128)] Tensor labels) => [|CrossEntropy(logits, labels)|];
            }
            """, "MG0005", "CrossEntropy cannot take these inputs: labels must be class indices of shape [B] to match logits [B, 128], but 'labels' is [B, 128], which looks one-hot encoded: pass each row's class index instead");

    [Fact]
    public void Loss_NotScalar_MG0005AtTheMethod()
        => AssertSingle(Head + """
                public Tensor Forward([Shape("B", 784)] Tensor x) => fc1.Forward(x);
                [Loss]
                public Tensor [|Loss|](Tensor logits, [Shape("B", 128)] Tensor target) => logits - target;
            }
            """, "MG0005", "Loss cannot take these inputs: a loss must reduce to a scalar, but it returns [B, 128]; end it with a loss such as CrossEntropy, or Mean(...)");

    [Fact]
    public void Add_ShapesDoNotBroadcast_MG0006AtTheOperator()
        => AssertSingle(Head + """
                public Tensor Forward([Shape("B", 784)] Tensor x) => [|fc1.Forward(x) + x|];
            }
            """, "MG0006", "Operator '+' cannot broadcast [B, 128] from fc1's output (line 8) with [B, 784] from input 'x' (line 8): axis 1 of the result is 128 vs 784 (sizes must be equal or 1)");

    [Fact]
    public void Layer_NonConstantArgument_MG0015AtTheArgument()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                static int width = 128;
                readonly Linear fc1 = new(784, [|width|]);
                public Tensor Forward([Shape("B", 784)] Tensor x) => fc1.Forward(x);
            }
            """, "MG0015", "Layer 'fc1': argument 'outFeatures' must be a compile-time constant so shapes are known at build time; use a literal or a const field (e.g. 'const int Hidden = 128;')");

    [Fact]
    public void Model_NotPartial_MG0008AtTheClassName()
        => AssertSingle("""
            [Model]
            public class [|M|]
            {
                readonly Linear fc1 = new(784, 10);
                public Tensor Forward([Shape("B", 784)] Tensor x) => fc1.Forward(x);
            }
            """, "MG0008", "Model 'M': a model class must be partial so ModelGen can add its compiled members");

    [Fact]
    public void Model_WithoutForward_MG0008AtTheClassName()
        => AssertSingle("""
            [Model]
            public partial class [|M|]
            {
                readonly Linear fc1 = new(784, 10);
            }
            """, "MG0008", "Model 'M': it has no Forward method; declare 'public Tensor Forward([Shape(\"B\", ...)] Tensor x)'");

    [Fact]
    public void MatMul_InnerDimensionsDiffer_MG0009AtTheCall()
        => AssertSingle(Head + """
                public Tensor Forward([Shape("B", 784)] Tensor x) => [|MatMul(x, fc1.Forward(x))|];
            }
            """, "MG0009", "MatMul expects [M, K]·[K, N] with equal K but receives [B, 784] and [B, 128], whose inner sizes differ: 784 is input 'x' (line 8), B is fc1's output (line 8)");

    [Fact]
    public void Diagnostics_AfterTextShift_MoveWithTheCode()
    {
        // The graph step is cached across the shift, yet the error must be reported at the new place.
        string source = GeneratorHarness.Usings + Head + """
                public Tensor Forward([Shape("B", 784)] Tensor x) => fc2.Forward(x);
            }
            """;
        var compilation = GeneratorHarness.Compilation(source);
        var driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var shifted = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.First(),
            Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("// a comment that shifts everything\n" + source, GeneratorHarness.ParseOptions, path: "Model0.cs"));
        driver = driver.RunGenerators(shifted);
        Diagnostic diagnostic = Assert.Single(driver.GetRunResult().Diagnostics);
        string shiftedText = shifted.SyntaxTrees.First().ToString();
        Assert.Equal("fc2.Forward(x)", shiftedText.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        // The message's line is resolved when reporting, so it follows the shift although the graph was not traced again.
        Assert.Equal("fc2 expects 256 input features but receives [B, 784]: 784 is input 'x' (line 9)",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        var compileReasons = driver.GetRunResult().Results[0].TrackedSteps[ModelGen.Generator.ModelGenerator.CompileStep]
            .SelectMany(step => step.Outputs).Select(output => output.Reason);
        Assert.All(compileReasons, reason => Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, reason.ToString()));
    }

    [Fact]
    public void LayerInput_AfterActivation_MG0001NamesTheLayerBehindIt()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Linear fc1 = new(784, 128);
                readonly Linear fc2 = new(256, 10);
                public Tensor Forward([Shape("B", 784)] Tensor x)
                {
                    var h = fc1.Forward(x);
                    h = Relu(h) * 2;
                    return [|fc2.Forward(h)|];
                }
            }
            """, "MG0001", "fc2 expects 256 input features but receives [B, 128]: 128 is fc1's output (line 10)");
}

/// <summary>Shape diagnostics of convolution and pooling layers, with exact spans.</summary>
public class ConvolutionDiagnosticsTests
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
    public void Conv2d_ChannelsDiffer_MG0009NamesBothAndTheSource()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Conv2d conv1 = new(1, 6, 5);
                readonly Conv2d conv2 = new(16, 32, 3);
                public Tensor Forward([Shape("B", 1, 28, 28)] Tensor x) => [|conv2.Forward(conv1.Forward(x))|];
            }
            """, "MG0009", "conv2 expects 16 input channels but receives [B, 6, 24, 24]: 6 is conv1's output (line 8)");

    [Fact]
    public void Conv2d_ImageSmallerThanKernel_MG0009()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Conv2d conv = new(3, 8, 7);
                public Tensor Forward([Shape("B", 3, 5, 5)] Tensor x) => [|conv.Forward(x)|];
            }
            """, "MG0009", "conv expects an image of at least 7x7 pixels but receives [B, 3, 5, 5] from input 'x' (line 7)");

    [Fact]
    public void Conv2d_ChannelsNotDivisibleByGroups_MG0007AtTheField()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Conv2d [|conv = new(6, 8, 3, groups: 4)|];
                public Tensor Forward([Shape("B", 6, 8, 8)] Tensor x) => conv.Forward(x);
            }
            """, "MG0007", "Layer 'conv': inChannels (6) and outChannels (8) must both be divisible by groups (4)");

    [Fact]
    public void Linear_AfterConvWithoutFlatten_MG0001()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Conv2d conv = new(1, 4, 3);
                readonly Linear fc = new(100, 10);
                public Tensor Forward([Shape("B", 1, 12, 12)] Tensor x) => [|fc.Forward(conv.Forward(x))|];
            }
            """, "MG0001", "fc expects 100 input features but receives [B, 4, 10, 10]: 10 is conv's output (line 8)");
}

/// <summary>Shape and declaration diagnostics of batch norm and dropout, with exact spans.</summary>
public class NormalizationDiagnosticsTests
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
    public void BatchNorm2d_ChannelsDiffer_MG0009NamesBothAndTheSource()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Conv2d conv = new(1, 6, 3);
                readonly BatchNorm2d norm = new(8);
                public Tensor Forward([Shape("B", 1, 10, 10)] Tensor x) => [|norm.Forward(conv.Forward(x))|];
            }
            """, "MG0009", "norm expects [N, 8, H, W] (8 channels) but receives [B, 6, 8, 8] from conv's output (line 8)");

    [Fact]
    public void BatchNorm1d_OnImages_MG0009()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly BatchNorm1d norm = new(3);
                public Tensor Forward([Shape("B", 3, 4, 4)] Tensor x) => [|norm.Forward(x)|];
            }
            """, "MG0009", "norm expects [N, 3] or [N, 3, L] (3 channels) but receives [B, 3, 4, 4] from input 'x' (line 7)");

    [Fact]
    public void Dropout_ProbabilityAboveOne_MG0007AtTheField()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly Linear fc = new(4, 4);
                readonly Dropout [|drop = new(1.5f)|];
                public Tensor Forward([Shape("B", 4)] Tensor x) => drop.Forward(fc.Forward(x));
            }
            """, "MG0007", "Layer 'drop': p must be a probability in [0, 1], but is 1.5");
}

/// <summary>Every descriptor is documented: a page under docs/diagnostics, a release-tracking entry, its help link, and ById finds it.</summary>
public class DiagnosticCatalogTests
{
    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", "..", ".."));

    public static TheoryData<string> Ids()
    {
        var ids = new TheoryData<string>();
        foreach (var field in typeof(ModelGen.Generator.Diagnostics.DiagnosticDescriptors).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            if (field.GetValue(null) is DiagnosticDescriptor descriptor) ids.Add(descriptor.Id);
        return ids;
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Descriptor_Everywhere_HasPageReleaseEntryAndHelpLink(string id)
    {
        DiagnosticDescriptor descriptor = ModelGen.Generator.Diagnostics.DiagnosticDescriptors.ById(id);
        Assert.Equal(id, descriptor.Id);
        Assert.Equal($"docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
        string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics", id + ".md"));
        Assert.StartsWith($"# {id}: {descriptor.Title}", page, StringComparison.Ordinal);
        Assert.Contains("**What.**", page, StringComparison.Ordinal);
        // Pages of mistakes a user makes show the fix; the report and the internal error have none.
        if (id is not ("MG2001" or "MG2002" or "MG9999")) Assert.Contains("**After**", page, StringComparison.Ordinal);
        string releases = File.ReadAllText(Path.Combine(RepositoryRoot(), "generator", "Diagnostics", "AnalyzerReleases.Unshipped.md"));
        Assert.Contains($"{id} | ModelGen | {descriptor.DefaultSeverity} | {descriptor.Title}", releases, StringComparison.Ordinal);
    }
}
