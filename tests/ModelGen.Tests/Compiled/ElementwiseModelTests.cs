using Microsoft.CodeAnalysis;
using ModelGen.Tests.Generator;
using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

/// <summary>Exp, Log, Sqrt, Abs, Pow and Clamp, each kept away from its kinks by the offsets (Abs(h) + 0.5).</summary>
[Model]
public sealed partial class ElementwiseMathModel
{
    readonly Linear fc = new(7, 6);
    readonly Linear head = new(6, 4);

    public Tensor Forward([Shape("B", 7)] Tensor x)
    {
        var h = fc.Forward(x);
        var a = Exp(Clamp(h, -0.3f, 0.4f)) + Log(Abs(h) + 0.5f);
        var b = Sqrt(Abs(h) + 1f) * Pow(h, 3f) + Pow(Abs(h) + 0.25f, 1.5f);
        return head.Forward(a + b + Exp(h));
    }

    [Loss]
    public Tensor Loss(Tensor y, [Shape("B", 4)] Tensor t) => MseLoss(y, t);
}

/// <summary>Every activation, with default and explicit constants (a bool for Gelu's tanh form, named and positional).</summary>
[Model]
public sealed partial class ActivationZooModel
{
    readonly Linear fc = new(9, 5);
    readonly Linear head = new(5, 3);

    public Tensor Forward([Shape("B", 9)] Tensor x)
    {
        var h = fc.Forward(x) * 3f;
        var a = LeakyRelu(h) + LeakyRelu(h, 0.2f) + Elu(h) + Elu(h, 0.5f);
        var b = Gelu(h) + Gelu(h, true) + Gelu(h, tanhApproximation: false) + Silu(h);
        var c = Softplus(h) + Softplus(h, 2f, 1f);
        return head.Forward(a + b + c);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>Softmax and LogSoftmax over the last axis of a rank-3 activation.</summary>
[Model]
public sealed partial class SoftmaxModel
{
    readonly Linear fc = new(5, 6);
    readonly Linear head = new(6, 4);

    public Tensor Forward([Shape("B", 3, 5)] Tensor x)
    {
        var p = Softmax(fc.Forward(x) * 2f);
        return LogSoftmax(head.Forward(p)) + Softmax(head.Forward(p * 3f));
    }

    [Loss]
    public Tensor Loss(Tensor y, [Shape("B", 3, 4)] Tensor t) => Mean(y * t);
}

/// <summary>PReLU per channel (axis 1, inner size 4) and with one shared slope.</summary>
[Model]
public sealed partial class PReluModel
{
    readonly Linear fc = new(5, 4);
    readonly PReLU perChannel = new(3, 0.1f);
    readonly PReLU shared = new();
    readonly Linear head = new(12, 3);

    public Tensor Forward([Shape("B", 3, 5)] Tensor x)
    {
        var h = perChannel.Forward(fc.Forward(x));
        return head.Forward(Flatten(shared.Forward(h - 0.1f)));
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

public class ElementwiseModelTests
{
    private static readonly CompileOptions Options = new() { MaxBatch = 32 };

    public static readonly ModelCase[] Cases =
    {
        new("ElementwiseMath", [7], 0, 4, seed =>
        {
            var m = new ElementwiseMathModel(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
        new("ActivationZoo", [9], 3, 3, seed =>
        {
            var m = new ActivationZooModel(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
        new("Softmax", [3, 5], 0, 12, seed =>
        {
            var m = new SoftmaxModel(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), Reshape(y, -1, 3, 4)), c.Forward, (x, y) => c.ComputeGradients(x, Reshape(y, -1, 3, 4)));
        }),
        new("PRelu", [3, 5], 3, 3, seed =>
        {
            var m = new PReluModel(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
    };

    public static TheoryData<string> Names() => new(Cases.Select(c => c.Name));

    private static ModelCase Case(string name) => Cases.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void Compiled_Forward_MatchesEager(string name) => ModelAssertions.ForwardMatchesEager(Case(name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Compiled_Gradients_MatchEager(string name) => ModelAssertions.GradientsMatchEager(Case(name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Compiled_Gradients_MatchFiniteDifferences(string name) => ModelAssertions.GradientsMatchFiniteDifferences(Case(name));

    [Fact]
    public void PReLU_Parameters_NamedAsPyTorch()
    {
        var m = new PReluModel();
        Assert.Equal(["fc.weight", "fc.bias", "perChannel.weight", "shared.weight", "head.weight", "head.bias"], m.Parameters().Select(p => p.Name));
        Assert.Equal(0.1f, m.Parameters()[2].Value.AsSpan()[0]);
        Assert.Equal([3], m.Parameters()[2].Value.Shape);
    }
}

public class ElementwiseDiagnosticsTests
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
    public void Clamp_MinAboveMax_MG0009()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                public Tensor Forward([Shape("B", 4)] Tensor x) => [|Ops.Clamp(x, 2f, 1f)|];
            }
            """, "MG0009", "Clamp expects min ≤ max but receives min 2 and max 1");

    [Fact]
    public void Softplus_ZeroBeta_MG0009()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                public Tensor Forward([Shape("B", 4)] Tensor x) => [|Ops.Softplus(x, 0f)|];
            }
            """, "MG0009", "Softplus expects a nonzero beta but receives beta 0");

    [Fact]
    public void Softmax_Scalar_MG0009()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                public Tensor Forward([Shape("B", 4)] Tensor x) => [|Ops.Softmax(Ops.Sum(x))|];
            }
            """, "MG0009", "Softmax expects a tensor whose last axis has a fixed size but receives [] from Sum's output (line 6)");

    [Fact]
    public void PReLU_ChannelsDiffer_MG0009()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly PReLU act = new(3);
                public Tensor Forward([Shape("B", 4, 5)] Tensor x) => [|act.Forward(x)|];
            }
            """, "MG0009", "act expects an input with 3 channels on axis 1 (and fixed sizes after it) but receives [B, 4, 5] from input 'x' (line 7)");

    [Fact]
    public void PReLU_ZeroParameters_MG0007AtTheField()
        => AssertSingle("""
            [Model]
            public partial class M
            {
                readonly PReLU [|act = new(0)|];
                public Tensor Forward([Shape("B", 4)] Tensor x) => act.Forward(x);
            }
            """, "MG0007", "Layer 'act': numParameters must be a positive integer, but is 0");
}
