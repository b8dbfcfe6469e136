using ModelGen.Tests.Runtime;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>Focal and distillation losses: values against their papers' formulas written out, gradients against finite differences.</summary>
public class EagerLossTests
{
    private static readonly Tensor Labels = Tensor.FromArray(new[] { 2, 0, 1 }, 3);

    private static double[,] Softmax(double[] logits, int rows, int classes, double temperature = 1)
    {
        var p = new double[rows, classes];
        for (int i = 0; i < rows; i++)
        {
            double max = Enumerable.Range(0, classes).Max(j => logits[i * classes + j] / temperature), sum = 0;
            for (int j = 0; j < classes; j++) sum += p[i, j] = Math.Exp(logits[i * classes + j] / temperature - max);
            for (int j = 0; j < classes; j++) p[i, j] /= sum;
        }
        return p;
    }

    [Fact]
    public void FocalLoss_Value_MatchesLinEtAlFormula()
    {
        double[] values = [1.0, -0.5, 2.0, 0.3, 0.1, -1.2, -0.7, 1.5, 0.2];
        var logits = Tensor.FromArray(values, 3, 3);
        double[] alpha = [0.25, 0.5, 0.75];
        var p = Softmax(values, 3, 3);
        int[] y = [2, 0, 1];
        double expected = 0;
        for (int i = 0; i < 3; i++) expected += -alpha[y[i]] * Math.Pow(1 - p[i, y[i]], 2) * Math.Log(p[i, y[i]]);
        Assert.Equal(expected / 3, EagerLosses.FocalLoss(logits, Labels, gamma: 2, alpha: alpha).ItemFloat64(), 12);
    }

    [Fact]
    public void FocalLoss_GammaZeroNoAlpha_IsCrossEntropy_AndLargerGammaDownWeightsEasyRows()
    {
        var rng = new Rng(3);
        var logits = GradCheck.Random(rng, -3, 3, 5, 4);
        var labels = Tensor.FromArray(new[] { 0, 3, 1, 1, 2 }, 5);
        Assert.Equal(Ops.CrossEntropy(logits, labels).ItemFloat64(), EagerLosses.FocalLoss(logits, labels, gamma: 0).ItemFloat64(), 12);
        Assert.True(EagerLosses.FocalLoss(logits, labels, gamma: 2).ItemFloat64() < EagerLosses.FocalLoss(logits, labels, gamma: 0.5).ItemFloat64());
    }

    [Theory]
    [InlineData(2.0, true)]
    [InlineData(0.5, false)]
    [InlineData(0.0, true)]
    public void FocalLoss_Gradient_MatchesFiniteDifferences(double gamma, bool withAlpha)
    {
        var rng = new Rng(11);
        var logits = GradCheck.Random(rng, -2, 2, 3, 3);
        GradCheck.Assert(() => EagerLosses.FocalLoss(logits, Labels, gamma, withAlpha ? [0.2, 0.3, 0.5] : null), logits);
    }

    [Fact]
    public void DistillationLoss_Value_MatchesHintonEtAl()
    {
        double[] student = [1.0, -0.5, 2.0, 0.3, 0.1, -1.2, -0.7, 1.5, 0.2];
        double[] teacher = [0.5, 0.5, 3.0, 2.0, -1.0, 0.0, 0.0, 2.5, -0.5];
        const double t = 3, alpha = 0.4;
        var ps = Softmax(student, 3, 3, t);
        var pt = Softmax(teacher, 3, 3, t);
        double kl = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) kl += pt[i, j] * (Math.Log(pt[i, j]) - Math.Log(ps[i, j]));
        kl /= 3;
        var hardP = Softmax(student, 3, 3);
        int[] y = [2, 0, 1];
        double ce = -Enumerable.Range(0, 3).Sum(i => Math.Log(hardP[i, y[i]])) / 3;
        double expected = alpha * ce + (1 - alpha) * t * t * kl;
        var loss = EagerLosses.DistillationLoss(Tensor.FromArray(student, 3, 3), Tensor.FromArray(teacher, 3, 3), Labels, t, alpha);
        Assert.Equal(expected, loss.ItemFloat64(), 12);
    }

    [Fact]
    public void DistillationLoss_Extremes_AreCrossEntropyAndZeroForAnIdenticalTeacher()
    {
        var rng = new Rng(4);
        var student = GradCheck.Random(rng, -2, 2, 3, 3);
        var teacher = GradCheck.Random(rng, -2, 2, 3, 3);
        Assert.Equal(Ops.CrossEntropy(student, Labels).ItemFloat64(), EagerLosses.DistillationLoss(student, teacher, Labels, 2, alpha: 1).ItemFloat64(), 12);
        Assert.Equal(0, EagerLosses.DistillationLoss(student, student.Detach(), Labels, 2, alpha: 0).ItemFloat64(), 12);
    }

    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(4.0, 0.1)]
    [InlineData(2.0, 0.0)]
    public void DistillationLoss_StudentGradient_MatchesFiniteDifferences_TeacherGetsNone(double temperature, double alpha)
    {
        var rng = new Rng(12);
        var student = GradCheck.Random(rng, -2, 2, 3, 3);
        var teacher = GradCheck.Random(rng, -2, 2, 3, 3);
        GradCheck.Assert(() => EagerLosses.DistillationLoss(student, teacher, Labels, temperature, alpha), student);
        teacher.Grad = null;
        EagerLosses.DistillationLoss(student, teacher, Labels, temperature, alpha).Backward();
        Assert.Null(teacher.Grad);
    }

    [Fact]
    public void Losses_RefuseMismatchedInputs()
    {
        var logits = Tensor.Zeros(DType.Float64, 3, 3);
        Assert.Throws<ArgumentException>(() => EagerLosses.FocalLoss(logits, Tensor.FromArray(new[] { 0, 1 }, 2)));
        Assert.Throws<ArgumentException>(() => EagerLosses.FocalLoss(logits, Labels, alpha: [1.0, 2.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => EagerLosses.FocalLoss(logits, Tensor.FromArray(new[] { 0, 1, 3 }, 3)));
        Assert.Throws<ArgumentException>(() => EagerLosses.DistillationLoss(logits, Tensor.Zeros(DType.Float64, 3, 4), Labels));
    }
}
