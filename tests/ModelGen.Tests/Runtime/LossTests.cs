using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// L1, smooth L1, Huber, BCE with logits, NLL, KL divergence and cross-entropy's options: values against PyTorch's
/// definitions written out by hand, gradients against finite differences (float64), and kernels that allocate nothing.
/// </summary>
public class LossTests
{
    [Fact]
    public void L1Loss_RandomInputs_MatchesFiniteDifferencesForBoth()
    {
        var rng = new Rng(41);
        var p = GradCheck.Random(rng, -2, 2, 3, 5);
        var t = GradCheck.Random(rng, -2, 2, 3, 5);
        GradCheck.Assert(() => Ops.L1Loss(p, t) * 1.5f, p, t);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    [InlineData(2.5)]
    public void SmoothL1AndHuber_BothRegions_MatchFiniteDifferences(double parameter)
    {
        // Differences span (-3, 3), so both the quadratic and the linear regions are hit for every parameter.
        var rng = new Rng(42);
        var p = GradCheck.Random(rng, -1.5, 1.5, 7, 3);
        var t = GradCheck.Random(rng, -1.5, 1.5, 7, 3);
        GradCheck.Assert(() => Ops.SmoothL1Loss(p, t, (float)parameter), p, t);
        GradCheck.Assert(() => Ops.HuberLoss(p, t, (float)parameter), p, t);
    }

    [Fact]
    public void SmoothL1_IsHuberDividedByBeta_AndL1AtBetaZero()
    {
        var rng = new Rng(43);
        var p = GradCheck.Random(rng, -2, 2, 5, 3);
        var t = GradCheck.Random(rng, -2, 2, 5, 3);
        Assert.Equal(Ops.HuberLoss(p, t, 0.7f).ItemFloat64() / 0.7f, Ops.SmoothL1Loss(p, t, 0.7f).ItemFloat64(), 12);
        Assert.Equal(Ops.L1Loss(p, t).ItemFloat64(), Ops.SmoothL1Loss(p, t, 0f).ItemFloat64(), 12);
    }

    [Fact]
    public void PointwiseLosses_Values_MatchPyTorchDefinitions()
    {
        var p = Tensor.FromArray(new double[] { 0.5, -2, 3 }, 3);
        var t = Tensor.FromArray(new double[] { 0, 0, 0.5 }, 3);
        // d = 0.5, -2, 2.5
        Assert.Equal((0.5 + 2 + 2.5) / 3, Ops.L1Loss(p, t).ItemFloat64(), 12);
        Assert.Equal((0.125 + 1.5 + 2.0) / 3, Ops.HuberLoss(p, t).ItemFloat64(), 12);
        Assert.Equal((0.125 + 2 * (2 - 1) + 2 * (2.5 - 1)) / 3, Ops.HuberLoss(p, t, 2f).ItemFloat64(), 12);
        Assert.Equal((0.25 / 2 / 2 + (2 - 1) + (2.5 - 1)) / 3, Ops.SmoothL1Loss(p, t, 2f).ItemFloat64(), 12);
        double Bce(double x, double y) => -(y * Math.Log(1 / (1 + Math.Exp(-x))) + (1 - y) * Math.Log(1 - 1 / (1 + Math.Exp(-x))));
        Assert.Equal((Bce(0.5, 0) + Bce(-2, 0) + Bce(3, 0.5)) / 3, Ops.BCEWithLogits(p, t).ItemFloat64(), 12);
    }

    [Fact]
    public void BCEWithLogits_HugeLogits_StaysFinite()
    {
        var x = Tensor.FromArray(new float[] { 1000, -1000, 90 }, 3);
        var t = Tensor.FromArray(new float[] { 1, 0, 0 }, 3);
        Assert.Equal(30f, Ops.BCEWithLogits(x, t).Item(), 4);
    }

    [Fact]
    public void BCEWithLogits_RandomInputs_MatchesFiniteDifferencesForLogitsAndTarget()
    {
        var rng = new Rng(44);
        var x = GradCheck.Random(rng, -6, 6, 4, 3, 5);
        var t = GradCheck.Random(rng, 0, 1, 4, 3, 5);
        GradCheck.Assert(() => Ops.BCEWithLogits(x, t) * 0.7f, x, t);
    }

    [Fact]
    public void NllLoss_RandomInputs_MatchesFiniteDifferencesAndPicksTheLabels()
    {
        var x = GradCheck.Random(new Rng(45), -3, 0, 5, 7);
        var labels = Tensor.FromArray(new[] { 0, 6, 3, 3, 1 }, 5);
        GradCheck.Assert(() => Ops.NllLoss(x, labels) * 2f, x, labels);
        double[] v = x.ToArrayFloat64();
        Assert.Equal(-(v[0] + v[13] + v[17] + v[24] + v[29]) / 5, Ops.NllLoss(x, labels).ItemFloat64(), 12);
    }

    [Fact]
    public void NllLoss_IgnoredRow_SkippedFromTheMean()
    {
        var x = Tensor.FromArray(new double[] { -1, -2, -3, -4 }, 2, 2);
        var labels = Tensor.FromArray(new[] { 1, -100 }, 2);
        Assert.Equal(2.0, Ops.NllLoss(x, labels).ItemFloat64(), 12);
    }

    [Fact]
    public void KLDiv_BatchMean_MatchesDefinitionAndFiniteDifferences()
    {
        var rng = new Rng(46);
        var input = GradCheck.Random(rng, -3, 0, 3, 5);
        var target = GradCheck.Random(rng, 0.05, 1, 3, 5);
        GradCheck.Assert(() => Ops.KLDiv(input, target), input, target);
        double[] x = input.ToArrayFloat64(), t = target.ToArrayFloat64();
        double expected = 0;
        for (int i = 0; i < x.Length; i++) expected += t[i] * (Math.Log(t[i]) - x[i]);
        Assert.Equal(expected / 3, Ops.KLDiv(input, target).ItemFloat64(), 12);
    }

    [Fact]
    public void KLDiv_ZeroTarget_ContributesNothing()
    {
        var input = Tensor.FromArray(new double[] { -1, -0.5 }, 1, 2);
        var target = Tensor.FromArray(new double[] { 0, 1 }, 1, 2);
        Assert.Equal(0.5, Ops.KLDiv(input, target).ItemFloat64(), 12);
    }

    [Theory]
    [InlineData(0.0, -100)]
    [InlineData(0.1, -100)]
    [InlineData(0.0, 2)]
    [InlineData(0.25, 4)]
    public void CrossEntropy_Options_MatchFiniteDifferences(double smoothing, int ignoreIndex)
    {
        var logits = GradCheck.Random(new Rng(47), -3, 3, 5, 7);
        var labels = Tensor.FromArray(new[] { 0, 6, 2, 4, 1 }, 5);
        GradCheck.Assert(() => Ops.CrossEntropy(logits, labels, (float)smoothing, ignoreIndex) * 1.3f, logits, labels);
    }

    [Fact]
    public void CrossEntropy_Options_MatchPyTorchDefinition()
    {
        // PyTorch: loss_r = (1-ε)·(-log p[y]) + ε·mean_c(-log p[c]) over kept rows, averaged over kept rows.
        double[] v = { 1, 2, 0.5, -1, 0, 3, 2, 2, 2 };
        var logits = Tensor.FromArray(v, 3, 3);
        var labels = Tensor.FromArray(new[] { 1, 9, 2 }, 3);
        double Row(int r, int y, double eps)
        {
            double lse = Math.Log(Math.Exp(v[3 * r]) + Math.Exp(v[3 * r + 1]) + Math.Exp(v[3 * r + 2]));
            double mean = (v[3 * r] + v[3 * r + 1] + v[3 * r + 2]) / 3;
            return (1 - eps) * (lse - v[3 * r + y]) + eps * (lse - mean);
        }
        Assert.Equal((Row(0, 1, 0.25) + Row(2, 2, 0.25)) / 2, Ops.CrossEntropy(logits, labels, 0.25f, 9).ItemFloat64(), 12);
    }

    [Fact]
    public void CrossEntropy_DefaultIgnoreIndex_SkipsMinus100AsPyTorch()
    {
        var logits = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2);
        var both = Ops.CrossEntropy(logits, Tensor.FromArray(new[] { 0, -100 }, 2)).ItemFloat64();
        var first = Ops.CrossEntropy(Tensor.FromArray(new double[] { 1, 2 }, 1, 2), Tensor.FromArray(new[] { 0 }, 1)).ItemFloat64();
        Assert.Equal(first, both, 14);
        Assert.True(double.IsNaN(Ops.CrossEntropy(logits, Tensor.FromArray(new[] { 3, 3 }, 2), 0f, 3).ItemFloat64()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.CrossEntropy(logits, Tensor.FromArray(new[] { 0, -1 }, 2)));
    }

    [Fact]
    public void Losses_ShapeMismatch_ThrowNamingBothShapes()
    {
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Zeros(3, 2);
        Assert.Contains("[2, 3] and [3, 2]", Assert.Throws<ArgumentException>(() => Ops.L1Loss(a, b)).Message);
        Assert.Contains("[2, 3] and [3, 2]", Assert.Throws<ArgumentException>(() => Ops.BCEWithLogits(a, b)).Message);
        Assert.Contains("[2, 3] and [3, 2]", Assert.Throws<ArgumentException>(() => Ops.KLDiv(a, b)).Message);
        Assert.Throws<ArgumentException>(() => Ops.NllLoss(a, Tensor.FromArray(new[] { 0, 1, 2 }, 3)));
    }

    [Fact]
    public void Kernels_SecondCall_AllocateNothing()
    {
        var p = new float[15];
        var t = new float[15];
        var d = new float[15];
        var labels = new int[] { 0, 1, 2, -100, 1 };
        var p64 = new double[15];
        void Run()
        {
            Losses.L1Forward<float>(p, t);
            Losses.L1Backward<float>(p, t, 1f, d);
            Losses.SmoothL1Forward<float>(p, t, 0.5f);
            Losses.SmoothL1Backward<float>(p, t, 0.5f, 1f, d);
            Losses.HuberForward<double>(p64, p64, 2.0);
            Losses.HuberBackward<double>(p64, p64, 2.0, 1.0, p64);
            Losses.BCEWithLogitsForward<float>(p, t);
            Losses.BCEWithLogitsBackward<float>(p, t, 1f, d);
            Losses.BCEWithLogitsTargetBackward<float>(p, 1f, d);
            Losses.NllForward<float>(p, labels, 5, 3);
            Losses.NllBackward<float>(labels, 5, 3, 1f, d);
            Losses.KLDivForward<float>(p, t, 5);
            Losses.KLDivBackward<float>(t, 5, 1f, d);
            Losses.KLDivTargetBackward<float>(p, t, 5, 1f, d);
            Losses.CrossEntropyForward<float>(p, labels, 5, 3, 0.1f, -100);
            Losses.CrossEntropyBackward<float>(p, labels, 5, 3, 0.1f, -100, 1f, d);
        }
        Run();
        Assert.Equal(0, Allocations.SteadyState(() => Run()));
    }
}
