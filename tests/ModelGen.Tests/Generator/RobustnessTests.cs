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

/// <summary>
/// Names the user is free to choose, which generated code once captured, dropped or clashed with (issue 14), and the
/// failures the fuzzer (FuzzTests) found, each as its smallest source: the generated code compiles, or nothing is generated.
/// </summary>
public class UserNameTests
{
    private const string Loss = " [Loss] public Tensor L(Tensor o, [Shape(\"B\")] Tensor y) => CrossEntropy(o, y);";

    public static TheoryData<string> Sources => new()
    {
        "[Model] public partial class @event { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x);" + Loss + " }",
        "[Model] public partial class M { readonly Linear @class = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => @class.Forward(x);" + Loss + " }",
        "[Model] public partial class M { readonly Linear seed = new(4, 4), rng = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => rng.Forward(Relu(seed.Forward(x)));" + Loss + " }",
        "[Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor b, [Shape(\"B\", 4)] Tensor d) => fc.Forward(b + d);" + Loss + " }",
        "[Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor B) => fc.Forward(B); [Loss] public Tensor L(Tensor o, [Shape(\"B\")] Tensor optimizer) => CrossEntropy(o, optimizer); }",
        "[Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor MaxBatch) => fc.Forward(MaxBatch); [Loss] public Tensor L(Tensor o, [Shape(\"B\")] Tensor loss) => CrossEntropy(o, loss); }",
        "[Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor @return, [Shape(\"B\", 4)] Tensor _output) => fc.Forward(@return * _output);" + Loss + " }",
        "[Model] public partial class M { readonly Linear Tensor = new(4, 4), Unsafe = new(4, 4), MathF = new(4, 4), Gemm = new(4, 3); public ModelGen.Tensor Forward([Shape(\"B\", 4)] ModelGen.Tensor x) => Gemm.Forward(Relu(MathF.Forward(Relu(Unsafe.Forward(Relu(Tensor.Forward(x))))))); }",
        "namespace Models { [Model] public partial class System { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x);" + Loss + " } }",
        "[Model] public partial class IModel { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x);" + Loss + " }",
        "namespace ModelGen.User { [Model] public partial class Graphs { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x);" + Loss + " } }",
        "namespace N.@class { [Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x);" + Loss + " } }",
        "[Module] public partial class @event { readonly Linear rng = new(4, 4); public Tensor Forward(Tensor x) => Relu(rng.Forward(x)); }\n" +
        "[Model] public partial class M { readonly @event seed = new(); readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(seed.Forward(x));" + Loss + " }",
    };

    public static TheoryData<string> Found => new()
    {
        // Found by the fuzzer: a field declared twice mid-edit (CS0102) made every generated use of it ambiguous (CS0229).
        "[Model] public partial class M { readonly Linear fc = new(4, 3); readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x); }",
        "[Module] public partial class Block { readonly Linear fc = new(4, 4); readonly Linear fc = new(4, 4); public Tensor Forward(Tensor x) => fc.Forward(x); }",
        // [Model] on two partial declarations (CS0579) once added the same source twice, and the generator threw.
        "[Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x); }\n[Model] public partial class M { }",
        // A huge literal as a size: buffers of more than int.MaxValue elements (CS1503 long to int); now MG0009.
        "[Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(2147483647, 4)] Tensor x) => fc.Forward(x); }",
        // A target renamed like an input: ComputeGradients(Tensor x, Tensor x) (CS0100); now MG0008 at the target.
        "[Model] public partial class M { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x); [Loss] public Tensor L(Tensor o, [Shape(\"B\")] Tensor x) => CrossEntropy(o, x); }",
    };

    [Theory]
    [MemberData(nameof(Sources))]
    [MemberData(nameof(Found))]
    public void UserName_GeneratedCodeCompiles(string body)
    {
        var compilation = GeneratorHarness.Compilation(GeneratorHarness.Usings + body);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out var diagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        Assert.All(run.Results, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(diagnostics, d => d.Id == "MG9999" || d.Id == "CS8785");
        foreach (SyntaxTree tree in run.GeneratedTrees)
            Assert.Empty(output.GetSemanticModel(tree).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        // The hint name drops '@' (a hint name allows none); the user's own mistakes stay the compiler's to report.
        Assert.All(run.GeneratedTrees, t => Assert.DoesNotContain("@", Path.GetFileName(t.FilePath)));
    }

    /// <summary>Each name case is correct code: it generates its model and the whole compilation has no error.</summary>
    [Theory]
    [MemberData(nameof(Sources))]
    public void UserName_GeneratesAndCompiles(string body)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(GeneratorHarness.Usings + body);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationErrors);
        Assert.NotEmpty(result.Sources);
    }

    [Fact]
    public void KeywordClassName_HintNameWithoutAt_ClassEscaped()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(GeneratorHarness.Usings +
            "[Model] public partial class @event { readonly Linear fc = new(4, 3); public Tensor Forward([Shape(\"B\", 4)] Tensor x) => fc.Forward(x); }");
        Assert.Empty(result.CompilationErrors);
        Assert.Contains("partial class @event : global::ModelGen.IModel", result.Sources["event.g.cs"]);
    }
}
