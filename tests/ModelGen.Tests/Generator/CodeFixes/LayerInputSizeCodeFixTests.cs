using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Testing;
using ModelGen.Generator.CodeFixes;
using ModelGen.Generator.Diagnostics;
using Xunit;
using static ModelGen.Tests.Generator.CodeFixes.CodeFixVerifier;

namespace ModelGen.Tests.Generator.CodeFixes;

/// <summary>MG0001 and MG0009: the layer's declared input size is set to what it receives, through the facts the generator attaches to the diagnostic.</summary>
public class LayerInputSizeCodeFixTests
{
    /// <summary>784-256-? with fc2 declared as given; <paramref name="marked"/> marks its call as the MG0001 site.</summary>
    private static string Mlp(string fc2, bool marked = false) => Model($$"""
                readonly Linear fc1 = new(784, 256);
                readonly Linear fc2 = {{fc2}};
                public Tensor Forward([Shape("B", 784)] Tensor x)
                {
                    var h = Relu(fc1.Forward(x));
                    return {{(marked ? "{|#0:fc2.Forward(h)|}" : "fc2.Forward(h)")}};
                }
            """);

    [Theory]
    [InlineData("new(512, 128)", "new(256, 128)")]
    [InlineData("new Linear(512, 128)", "new Linear(256, 128)")]
    [InlineData("new(inFeatures: 512, outFeatures: 128)", "new(inFeatures: 256, outFeatures: 128)")]
    [InlineData("new(outFeatures: 128, inFeatures: 512, bias: false)", "new(outFeatures: 128, inFeatures: 256, bias: false)")]
    public Task LinearInputSize_Mismatch_SetToWhatItReceives(string declared, string expected)
        => VerifyAsync<LayerInputSizeCodeFix>(Mlp(declared, marked: true), Mlp(expected), "Set fc2's input size to 256", MG0001);

    [Fact]
    public Task LinearInputSize_FieldInAnotherFile_FixedThere()
    {
        string layers = GeneratorHarness.Usings + """
            public partial class M
            {
                readonly Linear fc1 = new(784, 256);
                readonly Linear fc2 = new(512, 10);
            }
            """;
        string forward = GeneratorHarness.Usings + """
            [Model]
            public partial class M
            {
                public Tensor Forward([Shape("B", 784)] Tensor x) => {|#0:fc2.Forward(Relu(fc1.Forward(x)))|};
            }
            """;
        var test = new ModelCodeFixTest<LayerInputSizeCodeFix>("", "") { ExpectedTitle = "Set fc2's input size to 256" };
        test.TestState.Sources.Clear();
        test.TestState.Sources.Add(("/0/Layers.cs", layers));
        test.TestState.Sources.Add(("/0/Forward.cs", forward));
        test.FixedState.Sources.Clear();
        test.FixedState.Sources.Add(("/0/Layers.cs", layers.Replace("new(512, 10)", "new(256, 10)")));
        test.FixedState.Sources.Add(("/0/Forward.cs", forward.Replace("{|#0:", "").Replace("|}", "")));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("MG0001", DiagnosticSeverity.Error).WithLocation(0));
        return test.RunAsync();
    }

    private static string LeNetStart(string conv2, string call) => Model($$"""
                readonly Conv2d conv1 = new(1, 6, 5);
                readonly Conv2d conv2 = {{conv2}};
                public Tensor Forward([Shape("B", 1, 28, 28)] Tensor x) => Relu({{call}});
            """);

    [Fact]
    public Task Conv2dInputChannels_Mismatch_SetToWhatItReceives()
        => VerifyAsync<LayerInputSizeCodeFix>(
            LeNetStart("new(3, 16, 5)", "{|#0:conv2.Forward(Relu(conv1.Forward(x)))|}"),
            LeNetStart("new(6, 16, 5)", "conv2.Forward(Relu(conv1.Forward(x)))"),
            "Set conv2's input channels to 6", MG0009);

    [Fact]
    public Task Conv2dImageTooSmall_NoFixOffered()
        // MG0009 without the facts (the channels fit; the image is smaller than the kernel): nothing to set.
        => VerifyNoFixAsync<LayerInputSizeCodeFix>(LeNetStart("new(6, 16, 25)", "{|#0:conv2.Forward(Relu(conv1.Forward(x)))|}"), MG0009);

    // The facts the generator attaches, and the fixes given the generator's own diagnostics

    [Fact]
    public void LinearInputMismatch_Diagnostic_CarriesLayerArgumentAndValue()
    {
        string source = Mlp("new(512, 128)");
        Diagnostic diagnostic = Assert.Single(GeneratorHarness.Run(source).ModelDiagnostics);
        Assert.Equal("MG0001", diagnostic.Id);
        Assert.Equal(
            new Dictionary<string, string?> { ["Layer"] = "fc2", ["Argument"] = "inFeatures", ["Value"] = "256" },
            diagnostic.Properties.ToDictionary(p => p.Key, p => p.Value));
    }

    [Fact]
    public void DiagnosticInfo_Properties_TakePartInEquality()
    {
        // Pipeline outputs are compared for caching: a changed fact must not look like the cached diagnostic.
        DiagnosticInfo a = DiagnosticInfo.Create(DiagnosticDescriptors.LayerInputMismatch, 3, "fc2", "512", "[B, 256]", "fc1");
        DiagnosticInfo b = DiagnosticInfo.Create(DiagnosticDescriptors.LayerInputMismatch, 3, "fc2", "512", "[B, 256]", "fc1");
        Assert.Equal(a.WithProperties(LayerArgumentFacts.Create("fc2", "inFeatures", 256)), b.WithProperties(LayerArgumentFacts.Create("fc2", "inFeatures", 256)));
        Assert.NotEqual(a.WithProperties(LayerArgumentFacts.Create("fc2", "inFeatures", 256)), b.WithProperties(LayerArgumentFacts.Create("fc2", "inFeatures", 128)));
        Assert.NotEqual(a, a.WithProperties(LayerArgumentFacts.Create("fc2", "inFeatures", 256)));
        Assert.Empty(a.ToDiagnostic(default).Properties);
    }

    [Fact]
    public async Task LayerInputSizeFix_GivenTheGeneratorsOwnDiagnostic_RewritesTheField()
    {
        string source = Mlp("new(512, 128)");
        var (title, fixedSource) = await ApplyToRawDiagnosticAsync(new LayerInputSizeCodeFix(), source, "MG0001");
        Assert.Equal("Set fc2's input size to 256", title);
        Assert.Equal(Mlp("new(256, 128)"), fixedSource);
    }

    [Fact]
    public void FixableIds_AreDiagnosticsTheGeneratorDeclares()
    {
        var fixable = new CodeFixProvider[] { new LogSoftmaxCodeFix(), new PassLogitsCodeFix(), new LayerInputSizeCodeFix() }
            .SelectMany(f => f.FixableDiagnosticIds).ToImmutableArray();
        Assert.Equal(new[] { "MG0001", "MG0009", "MG1001", "MG1002", "MG1003" }, fixable.Order(StringComparer.Ordinal));
        Assert.All(fixable, id => Assert.Equal(id, DiagnosticDescriptors.ById(id).Id));
    }
}
