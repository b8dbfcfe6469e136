using ModelGen;
using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

// Models compiled by the real generator that use every axis reduction and loss of the loss family, in Forward and
// in the loss, including targets that need gradients (computed from the prediction) and skipped default arguments.

/// <summary>Reductions along the feature and batch axes, kept and removed, broadcast back; smoothed cross-entropy.</summary>
[Model]
public sealed partial class AxisReductionNet
{
    readonly Linear fc1 = new(11, 12);
    readonly Linear fc2 = new(12, 5);

    public Tensor Forward([Shape("B", 11)] Tensor x)
    {
        var h = Tanh(fc1.Forward(x));
        var peak = Max(h, -1, keepDims: true);
        var total = Sum(h, 1, true);
        var batchMean = Mean(h, 0);
        h = h - peak + total * 0.1f + batchMean;
        return fc2.Forward(h);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels)
        => CrossEntropy(logits, labels, 0.1f) + Mean(Max(logits, 1)) * 0.1f;
}

/// <summary>Rank-3 reductions (middle and last axes) and the regression losses with non-default parameters.</summary>
[Model]
public sealed partial class RegressionLossNet
{
    readonly Linear fc = new(5, 7);
    readonly Linear head = new(7, 4);
    readonly Linear side = new(3, 4);

    public Tensor Forward([Shape("B", 3, 5)] Tensor x)
    {
        var h = Tanh(fc.Forward(x));
        return head.Forward(Max(h, 1) + Mean(h, 1, false)) + side.Forward(Sum(h, -1));
    }

    [Loss]
    public Tensor Loss(Tensor prediction, [Shape("B", 4)] Tensor target)
        => HuberLoss(prediction, target, 0.5f) + SmoothL1Loss(prediction, target, beta: 0.8f) + L1Loss(prediction, target) * 0.5f
           + HuberLoss(prediction, target) + SmoothL1Loss(prediction, target);
}

/// <summary>BCE with logits and KL divergence, each once with the prediction as input and once as (part of) the target.</summary>
[Model]
public sealed partial class ProbabilisticLossNet
{
    readonly Linear fc = new(6, 9);
    readonly Linear head = new(9, 4);

    public Tensor Forward([Shape("B", 6)] Tensor x) => head.Forward(Tanh(fc.Forward(x)));

    [Loss]
    public Tensor Loss(Tensor prediction, [Shape("B", 4)] Tensor target)
        => BCEWithLogits(prediction, Sigmoid(target)) + BCEWithLogits(target, Sigmoid(prediction)) * 0.5f
           + KLDiv(prediction * 0.5f - 1f, Sigmoid(target)) + KLDiv(target - 1f, Sigmoid(prediction))
           + L1Loss(target, prediction) * 0.3f;
}

/// <summary>NLL and cross-entropy with an ignore index (one given by name, skipping the smoothing default).</summary>
[Model]
public sealed partial class ClassLossNet
{
    readonly Linear fc = new(9, 8);
    readonly Linear head = new(8, 5);

    public Tensor Forward([Shape("B", 9)] Tensor x) => head.Forward(Relu(fc.Forward(x)));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels)
        => NllLoss(Tanh(logits) - 1f, labels) + CrossEntropy(logits, labels, 0.2f, 3) + CrossEntropy(logits, labels, ignoreIndex: 1);
}

/// <summary>A loss that is itself an axis reduction to a scalar (its gradient is the constant seed).</summary>
[Model]
public sealed partial class ReductionLossNet
{
    readonly Linear fc = new(4, 3);

    public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);

    [Loss]
    public Tensor Loss(Tensor prediction, [Shape("B", 3)] Tensor target) => Mean(Max(prediction * target, 1), 0);
}

public class LossModelTests
{
    private static readonly CompileOptions Options = new() { MaxBatch = 32 };

    public static readonly ModelCase[] Cases =
    {
        new("AxisReductionNet", [11], 5, 5, seed =>
        {
            var m = new AxisReductionNet(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
        new("RegressionLossNet", [3, 5], 0, 4, seed =>
        {
            var m = new RegressionLossNet(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
        new("ProbabilisticLossNet", [6], 0, 4, seed =>
        {
            var m = new ProbabilisticLossNet(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
        new("ClassLossNet", [9], 5, 5, seed =>
        {
            var m = new ClassLossNet(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
        new("ReductionLossNet", [4], 0, 3, seed =>
        {
            var m = new ReductionLossNet(); m.Initialize(seed); var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
    };

    public static TheoryData<string> Names => new(Cases.Select(c => c.Name));

    private static ModelCase Named(string name) => Cases.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_RandomBatches_MatchesEager(string name) => ModelAssertions.ForwardMatchesEager(Named(name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradients_RandomBatch_MatchEagerBackward(string name) => ModelAssertions.GradientsMatchEager(Named(name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradients_Float32_MatchFiniteDifferences(string name) => ModelAssertions.GradientsMatchFiniteDifferences(Named(name));

    [Fact]
    public void CrossEntropy_Options_AppearOnTheNodeOnlyWhenNotDefault()
    {
        // At the defaults the node (hence the snapshots and the emitted two-option-free call) is as before; options
        // show as the ignore index in the printed IR and select the kernels' overload that takes them.
        Assert.DoesNotContain("(-100)", ModelGen.Tests.Models.TinyMlp.Graph.ToString());
        Assert.Contains("(3)", ClassLossNet.Graph.ToString());
        Assert.Contains("(1)", ClassLossNet.Graph.ToString());
    }
}
