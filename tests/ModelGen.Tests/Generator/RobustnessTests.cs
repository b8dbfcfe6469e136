using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// Half-typed and malformed models, as an IDE produces mid-edit: the generator must never throw (no CS8785) and
/// must not leave a broken model silent.
/// </summary>
public class RobustnessTests
{
    private const string Layers = "readonly Linear fc1 = new(4, 3);\n";

    public static TheoryData<string> Corpus => new()
    {
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x) }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) { return } }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) { } }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x, x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Relu(); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Undefined(x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => y; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc2.Forward(x); }",
        "[Model] public partial class M { " + Layers + " public int Forward([Shape(\"B\", 4)] Tensor x) => 1; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] int x) => null!; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x, Tensor y) => fc1.Forward(x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward() => null!; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4.5)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(null)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape()] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", -4)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Forward(x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); public Tensor Forward(Tensor a, Tensor b) => a; }",
        "[Model] public partial class M { " + Layers + " public static Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) { var h = fc1.Forward(x); if (h == null) h = Relu(h); return h; } }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) { Tensor h; h = fc1.Forward(x); return h; } }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) { var a = x; var b = a; return fc1.Forward(b * b / (b + )); } }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); [Loss] public Tensor L(Tensor o, [Shape(\"B\")] Tensor y) => CrossEntropy(o, y) + MseLoss(o, y); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); [Loss] public Tensor L(Tensor o, [Shape(\"C\")] Tensor y) => CrossEntropy(o, y); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); [Loss] public Tensor L() => null!; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); [Loss] public Tensor L(Tensor o) => o; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); [Loss] public Tensor L1(Tensor o) => Sum(o); [Loss] public Tensor L2(Tensor o) => Sum(o); }",
        "[Model] public partial class M { readonly Linear fc1; public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { readonly Linear fc1 = new(0, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { readonly Linear fc1 = new(4); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { readonly Linear fc1 = new(\"4\", 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { readonly Linear fc1 = null!; public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M { readonly Linear fc1 = Make(); static Linear Make() => new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial class M<T> { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); }",
        "public class Outer { [Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); } }",
        "[Model] public static partial class M { public static Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; }",
        "[Model] public abstract partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc1.Forward(x); }",
        "[Model] public partial record M { }",
        "[Model] public partial struct M { }",
        "[Model] public partial class M",
        "[Model] public partial class M { " + Layers,
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => (x + 1f)(); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x switch { _ => x }; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) { var f = (Tensor t) => t; return f(x); } }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => 1f / 0f; }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] Tensor x) => MatMul(x, x); }",
        "[Model] public partial class M { " + Layers + " public Tensor Forward([Shape(\"B\", 4)] ref Tensor x) => x; }",
        // Convolution, pooling, normalisation and the newer operators, half-typed.
        "[Model] public partial class M { readonly Conv2d c = new(1, 4, 3); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => c.Forward(x }",
        "[Model] public partial class M { readonly Conv2d c = new(1, 4); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => c.Forward(x); }",
        "[Model] public partial class M { readonly Conv2d c = new(1, 4, 3, stride: 0); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => c.Forward(x); }",
        "[Model] public partial class M { readonly Conv2d c = new(1, 4, 3, padding: -1); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => c.Forward(x); }",
        "[Model] public partial class M { readonly Conv2d c = new(3, 4, 3, groups: 2); public Tensor Forward([Shape(\"B\", 3, 8, 8)] Tensor x) => c.Forward(x); }",
        "[Model] public partial class M { readonly Conv2d c = new(1, 4, 9); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => c.Forward(x); }",
        "[Model] public partial class M { readonly Conv2d c = new(2, 4, 3); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => c.Forward(x); }",
        "[Model] public partial class M { readonly Conv2d c = new(1, 4, 3); public Tensor Forward([Shape(\"B\", 8)] Tensor x) => c.Forward(x); }",
        "[Model] public partial class M { readonly MaxPool2d p = new(0); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => p.Forward(x); }",
        "[Model] public partial class M { readonly MaxPool2d p = new(2, padding: 2); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => p.Forward(x); }",
        "[Model] public partial class M { readonly AvgPool2d p = new(16); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => p.Forward(x); }",
        "[Model] public partial class M { readonly MaxPool2d p = new(2); public Tensor Forward([Shape(\"B\", 8)] Tensor x) => p.Forward(x); }",
        "[Model] public partial class M { readonly BatchNorm2d n = new(0); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => n.Forward(x); }",
        "[Model] public partial class M { readonly BatchNorm2d n = new(3); public Tensor Forward([Shape(\"B\", 1, 8, 8)] Tensor x) => n.Forward(x); }",
        "[Model] public partial class M { readonly BatchNorm1d n = new(8); public Tensor Forward([Shape(\"B\", 8, 2, 2)] Tensor x) => n.Forward(x); }",
        "[Model] public partial class M { readonly Dropout d = new(2f); public Tensor Forward([Shape(\"B\", 8)] Tensor x) => d.Forward(x); }",
        "[Model] public partial class M { readonly Dropout d = new(-0.1f); public Tensor Forward([Shape(\"B\", 8)] Tensor x) => d.Forward(x); }",
        "[Model] public partial class M { readonly PReLU a = new(0); public Tensor Forward([Shape(\"B\", 8)] Tensor x) => a.Forward(x); }",
        "[Model] public partial class M { readonly PReLU a = new(3); public Tensor Forward([Shape(\"B\", 8)] Tensor x) => a.Forward(x); }",
        "[Model] public partial class M { readonly ConvTranspose2d u = new(2, 4, 3); public Tensor Forward([Shape(\"B\", 1, 4, 4)] Tensor x) => u.Forward(x); }",
        "[Model] public partial class M { readonly ConvTranspose2d u = new(1, 4, 3, stride: 1, outputPadding: 1); public Tensor Forward([Shape(\"B\", 1, 4, 4)] Tensor x) => u.Forward(x); }",
        "[Model] public partial class M { readonly AdaptiveAvgPool2d a = new(0); public Tensor Forward([Shape(\"B\", 1, 4, 4)] Tensor x) => a.Forward(x); }",
        "[Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Flatten(x); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Flatten(Sum(x)); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Reshape(x, 5, -1); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Reshape(x, -1, -1); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Reshape(x, -1, 5); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Permute(x, 1, 0, 2); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Permute(x, 0, 1); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Transpose(x, 0, 2); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Transpose(x, 1, 5); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Concat(x, Sum(x), 1); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Concat(x, x, 0); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Slice(x, 1, 3, 5); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => Slice(x, 0, 0, 1); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4, 4)] Tensor x) => GlobalAvgPool(x); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 1, 4, 4)] Tensor x) => Upsample(x, 0); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Upsample(x, 2); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Softmax(Sum(x)); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Clamp(x, 2f, 1f); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Softplus(x, 0f); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Sum(x, 3); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => Max(x, -3, true); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\", 3)] Tensor t) => L1Loss(o, t); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\", 4)] Tensor t) => HuberLoss(o, t, 0f); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\", 4)] Tensor t) => SmoothL1Loss(o, t, -1f); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\", 2)] Tensor t) => BCEWithLogits(o, t); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\", 4)] Tensor y) => NllLoss(o, y); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\")] Tensor y) => CrossEntropy(o, y, 2f); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\", 4)] Tensor t) => KLDiv(o, Sum(t)); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\")] Tensor y) => CrossEntropy(o, y) + MseLoss(o, y); }",
        "[Model] public partial class M { public Tensor Forward([Shape(\"B\", 4)] Tensor x) => x; [Loss] public Tensor L(Tensor o, [Shape(\"B\")] Tensor y) => Mean(y, 1); }",
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void MalformedModel_NeverThrows_AndReportsSomething(string body)
    {
        var compilation = GeneratorHarness.Compilation(GeneratorHarness.Usings + body);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var diagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results[0];
        Assert.Null(result.Exception);
        Assert.False(diagnostics.Any(d => d.Id == "CS8785" || d.Id == "MG9999"), body + "\n" + string.Join("\n", diagnostics));
        bool reported = diagnostics.Any(d => d.Id.StartsWith("MG", StringComparison.Ordinal))
                        || output.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
        Assert.True(reported, "a malformed model must produce at least one error: " + body);
    }
}

/// <summary>The safety net: a failure inside the compiler becomes MG9999 at the model, never an exception.</summary>
public class InternalErrorTests
{
    [Fact]
    public void Compile_SpecNoParserWouldMake_ReportsMG9999AtTheModel()
    {
        ModelGen.Generator.Parsing.ModelSpec spec = SnapshotTests.SpecOf(TestModels.MnistMlp);
        // A call of a layer the spec does not declare: the parser never produces this, so tracing fails internally.
        var body = spec.Forward.Body;
        var broken = body[0] with { Value = body[0].Value with { Kind = ModelGen.Generator.Parsing.ExprKind.LayerCall, Name = "missing" } };
        spec = spec with { Forward = spec.Forward with { Body = ModelGen.Generator.Common.EquatableArray.Create(broken) } };

        ModelGen.Generator.ModelOutput output = ModelGen.Generator.ModelGenerator.Compile(spec, default(ModelGen.Generator.Parsing.GeneratorOptions), default);
        Assert.Equal("", output.Source);
        var diagnostic = Assert.Single(output.Diagnostics);
        Assert.Equal("MG9999", diagnostic.Id);
        Assert.Equal(spec.Origin, diagnostic.Origin);
        Assert.Contains("KeyNotFoundException", diagnostic.Args[2]);
    }
}
