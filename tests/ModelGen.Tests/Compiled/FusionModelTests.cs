using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// Every fusion on odd sizes: a residual add and ReLU in a GEMM epilogue, elementwise chains forward and backward
/// (a gradient accumulation becomes a residual GEMM too), with a scalar loss factor the constant folder meets.
/// </summary>
[Model]
public sealed partial class ChainNet
{
    readonly Linear a = new(7, 11);
    readonly Linear b = new(11, 11);
    readonly Linear c = new(11, 11, bias: false);
    readonly Linear head = new(11, 3);

    public Tensor Forward([Shape("B", 7)] Tensor x)
    {
        var h = Tanh(a.Forward(x));
        var r = Relu(b.Forward(h) + h);                      // bias, residual and ReLU in b's epilogue
        var g = (r * 0.5f - h) * Sigmoid(c.Forward(r)) + r;  // one loop
        return head.Forward(-g * 1f + 0f);                    // identities the pruning removes
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels) * (2f * 0.25f);
}

/// <summary>
/// Batch norm after convolutions and linear layers, with and without their bias, then ReLU: folded into the
/// layers' weights for inference, batch statistics (unfolded) for training.
/// </summary>
[Model]
public sealed partial class FoldNet
{
    readonly Conv2d conv = new(3, 5, 3, padding: 1);
    readonly BatchNorm2d bn = new(5);
    readonly Conv2d conv2 = new(5, 4, 3, stride: 2, bias: false);
    readonly BatchNorm2d bn2 = new(4);
    readonly Linear fc = new(4 * 3 * 2, 9);
    readonly BatchNorm1d bn3 = new(9, momentum: 0.3f);
    readonly Linear fc2 = new(9, 6, bias: false);
    readonly BatchNorm1d bn4 = new(6);
    readonly Linear head = new(6, 3);

    public Tensor Forward([Shape("B", 3, 7, 5)] Tensor x)
    {
        var h = Relu(bn.Forward(conv.Forward(x)));           // [B, 5, 7, 5]
        h = Relu(bn2.Forward(conv2.Forward(h)));             // [B, 4, 3, 2]
        h = Relu(bn3.Forward(fc.Forward(Flatten(h))));
        h = Tanh(bn4.Forward(fc2.Forward(h)));
        return head.Forward(h);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>Compiled with fusion on and off, each model matches eager forward, eager gradients and finite differences.</summary>
public class FusionModelTests
{
    private static ModelCase Chain(bool fusion) => new($"ChainNet fusion={fusion}", [7], 3, 3, seed =>
    {
        var m = new ChainNet();
        m.Initialize(seed);
        var c = m.Compile(new CompileOptions { MaxBatch = 32, Fusion = fusion });
        return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    });

    /// <summary>Eager forward in evaluation mode, after two training batches moved the running statistics away from 0 and 1.</summary>
    private static ModelCase Fold(bool fusion) => new($"FoldNet fusion={fusion}", [3, 7, 5], 3, 3, seed =>
    {
        var m = new FoldNet();
        m.Initialize(seed);
        m.Train();
        m.Forward(ModelHarness.RandomInput(8, [3, 7, 5], 100));
        m.Forward(ModelHarness.RandomInput(8, [3, 7, 5], 101));
        var c = m.Compile(new CompileOptions { MaxBatch = 32, Fusion = fusion });
        return new ModelInstance(m,
            x => { m.Eval(); Tensor y = m.Forward(x); m.Train(); return y; },
            (x, y) => { m.Train(); return m.Loss(m.Forward(x), y); },
            c.Forward, c.ComputeGradients);
    });

    public static TheoryData<bool> Switch => new() { true, false };

    [Theory, MemberData(nameof(Switch))]
    public void ChainNet_CompiledForward_MatchesEager(bool fusion) => ModelAssertions.ForwardMatchesEager(Chain(fusion), 1, 3, 29);

    [Theory, MemberData(nameof(Switch))]
    public void ChainNet_CompiledGradients_MatchEager(bool fusion) => ModelAssertions.GradientsMatchEager(Chain(fusion));

    [Theory, MemberData(nameof(Switch))]
    public void ChainNet_CompiledGradients_MatchFloat64FiniteDifferences(bool fusion) => ModelAssertions.GradientsMatchFiniteDifferences(Chain(fusion));

    [Theory, MemberData(nameof(Switch))]
    public void FoldNet_CompiledForward_MatchesEagerEvaluation(bool fusion) => ModelAssertions.ForwardMatchesEager(Fold(fusion), 1, 3, 29);

    [Theory, MemberData(nameof(Switch))]
    public void FoldNet_CompiledGradients_MatchEagerTraining(bool fusion) => ModelAssertions.GradientsMatchEager(Fold(fusion));

    // No finite differences for FoldNet: folding is inference-only (the training graph it would check is ChainNet's
    // fusions plus batch norm's existing rules), and a bias before batch norm has a gradient of exactly 0 in float64
    // that float32 meets only to rounding.

    [Fact]
    public void FoldNet_ForwardAfterTraining_FoldsTheMovedStatistics()
    {
        // The folded weights are made from the running statistics when Forward runs, so training in between counts.
        ModelInstance m = Fold(true).Create(3);
        var model = (FoldNet)m.Model;
        Tensor x = ModelHarness.RandomInput(5, [3, 7, 5], 8);
        float[] before = m.CompiledForward(x).ToArray();
        m.CompiledGradients(ModelHarness.RandomInput(9, [3, 7, 5], 9), ModelHarness.RandomLabels(9, 3, 9));
        float[] after = m.CompiledForward(x).ToArray();
        model.Eval();
        float[] eager = model.Forward(x).ToArray();
        Assert.NotEqual(before, after);
        Assert.True(ModelHarness.MaxRelativeError(after, eager, 0.1 * ModelHarness.MaxAbs(eager)) <= 1e-5);
    }

    [Fact]
    public void FusionSwitch_Off_RunsTheOtherSchedule()
    {
        // Folding batch norm rounds differently from normalising after the convolution: bit-equal outputs would
        // mean both options ran the same code.
        ModelInstance on = Fold(true).Create(4), off = Fold(false).Create(4);
        Tensor x = ModelHarness.RandomInput(6, [3, 7, 5], 2);
        float[] fused = on.CompiledForward(x).ToArray(), plain = off.CompiledForward(x).ToArray();
        Assert.NotEqual(fused, plain);
        Assert.True(ModelHarness.MaxRelativeError(fused, plain, 0.1 * ModelHarness.MaxAbs(plain)) <= 1e-5);
    }

    [Fact]
    public void KernelCounts_Fusion_RunsFewerKernels()
    {
        Assert.True(ChainNet.Compiled.ForwardKernels < ChainNet.Compiled.ForwardKernelsWithoutFusion);
        Assert.True(ChainNet.Compiled.TrainKernels < ChainNet.Compiled.TrainKernelsWithoutFusion);
        Assert.True(FoldNet.Compiled.TrainKernels < FoldNet.Compiled.TrainKernelsWithoutFusion);
    }
}
