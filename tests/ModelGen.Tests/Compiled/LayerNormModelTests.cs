using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

/// <summary>Linear → LayerNorm → ReLU → Linear: both gradients of the affine layer norm, and dx through it.</summary>
[Model]
public sealed partial class LayerNormMlp
{
    readonly Linear fc = new(7, 13);
    readonly LayerNorm norm = new(13);
    readonly Linear head = new(13, 3);

    public Tensor Forward([Shape("B", 7)] Tensor x) => head.Forward(Relu(norm.Forward(fc.Forward(x))));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>
/// Layer norm on [B, T, F]: on the input itself (no input gradient, so the parameter gradients run the kernel alone),
/// then a rank-3 Linear and a layer norm without affine parameters.
/// </summary>
[Model]
public sealed partial class LayerNormSequence
{
    readonly LayerNorm inputNorm = new(5, eps: 1e-3f);
    readonly Linear mix = new(5, 9);
    readonly LayerNorm plain = new(9, elementwiseAffine: false);
    readonly Linear head = new(4 * 9, 3);

    public Tensor Forward([Shape("B", 4, 5)] Tensor x) => head.Forward(Flatten(Tanh(plain.Forward(mix.Forward(inputNorm.Forward(x))))));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>Compiled layer norm against the eager runtime and float64 finite differences.</summary>
public class LayerNormModelTests
{
    // Weight 1 and bias 0 would hide a swapped or ignored parameter: move them off their initial values first.
    private static void Perturb(Tensor? t, int seed)
    {
        if (t is null) return;
        var rng = new Rng(seed);
        Span<float> v = t.AsSpan();
        for (int i = 0; i < v.Length; i++) v[i] += (float)(rng.NextDouble() - 0.5);
    }

    private static readonly ModelCase Mlp = new("LayerNormMlp", [7], 3, 3, seed =>
    {
        var m = new LayerNormMlp();
        m.Initialize(seed);
        foreach (var p in m.Parameters().Where(p => p.Name.StartsWith("norm.", StringComparison.Ordinal))) Perturb(p.Value, seed + p.Name.Length);
        var c = m.Compile(new CompileOptions { MaxBatch = 32 });
        return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    });

    private static readonly ModelCase Sequence = new("LayerNormSequence", [4, 5], 3, 3, seed =>
    {
        var m = new LayerNormSequence();
        m.Initialize(seed);
        foreach (var p in m.Parameters().Where(p => p.Name.StartsWith("inputNorm.", StringComparison.Ordinal))) Perturb(p.Value, seed + p.Name.Length);
        var c = m.Compile(new CompileOptions { MaxBatch = 32 });
        return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    });

    [Fact]
    public void LayerNorm_CompiledForward_MatchesEager() => ModelAssertions.ForwardMatchesEager(Mlp);

    [Fact]
    public void LayerNorm_CompiledGradients_MatchEager() => ModelAssertions.GradientsMatchEager(Mlp);

    [Fact]
    public void LayerNorm_CompiledGradients_MatchFloat64FiniteDifferences() => ModelAssertions.GradientsMatchFiniteDifferences(Mlp);

    [Fact]
    public void LayerNormOnSequences_CompiledForward_MatchesEager() => ModelAssertions.ForwardMatchesEager(Sequence);

    [Fact]
    public void LayerNormOnSequences_CompiledGradients_MatchEager() => ModelAssertions.GradientsMatchEager(Sequence);

    [Fact]
    public void LayerNormOnSequences_CompiledGradients_MatchFloat64FiniteDifferences() => ModelAssertions.GradientsMatchFiniteDifferences(Sequence);
}
