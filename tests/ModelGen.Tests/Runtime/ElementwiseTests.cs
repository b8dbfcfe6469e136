using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// Elementwise math, activations, softmax and PReLU: float64 gradients against finite differences on odd shapes,
/// values against direct formulas (and PyTorch's reference points), erf's accuracy, and kernels that allocate nothing.
/// </summary>
public class ElementwiseTests
{
    public static TheoryData<int[]> Shapes => new() { new[] { 7 }, new[] { 3, 5 }, new[] { 2, 3, 5 } };

    private static Tensor Input(int[] shape, double lo = 0.2, double hi = 2.5, int seed = 1)
        => GradCheck.RandomAwayFromZero(new Rng((ulong)seed), lo, hi, shape);

    private static Tensor Positive(int[] shape) => GradCheck.Random(new Rng(3), 0.3, 3, shape);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MathOps_Float64_GradientsMatchFiniteDifferences(int[] shape)
    {
        Tensor x = Input(shape), p = Positive(shape);
        GradCheck.Assert(() => Ops.Exp(x), x);
        GradCheck.Assert(() => Ops.Log(p), p);
        GradCheck.Assert(() => Ops.Sqrt(p), p);
        GradCheck.Assert(() => Ops.Abs(x), x);
        foreach (float exponent in new[] { 3f, 2f, 0.5f, -1.5f, 0f })
            GradCheck.Assert(() => Ops.Pow(p, exponent), p);
        GradCheck.Assert(() => Ops.Pow(x, 3f), x);
        GradCheck.Assert(() => Ops.Clamp(x, -1f, 1.3f), x);
        GradCheck.Assert(() => Ops.Clamp(x, -5f, 5f), x);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Activations_Float64_GradientsMatchFiniteDifferences(int[] shape)
    {
        Tensor x = Input(shape, 0.05, 3);
        GradCheck.Assert(() => Ops.LeakyRelu(x), x);
        GradCheck.Assert(() => Ops.LeakyRelu(x, 0.3f), x);
        GradCheck.Assert(() => Ops.Elu(x), x);
        GradCheck.Assert(() => Ops.Elu(x, 0.7f), x);
        GradCheck.Assert(() => Ops.Gelu(x), x);
        GradCheck.Assert(() => Ops.Gelu(x, tanhApproximation: true), x);
        GradCheck.Assert(() => Ops.Silu(x), x);
        GradCheck.Assert(() => Ops.Softplus(x), x);
        GradCheck.Assert(() => Ops.Softplus(x, 2f, 1f), x);
        GradCheck.Assert(() => Ops.Softplus(x, 0.5f), x);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Softmax_Float64_GradientsMatchFiniteDifferences(int[] shape)
    {
        Tensor x = GradCheck.Random(new Rng(5), -3, 3, shape);
        GradCheck.Assert(() => Ops.Softmax(x), x);
        GradCheck.Assert(() => Ops.LogSoftmax(x), x);
    }

    [Fact]
    public void Softmax_LargeInputs_StableAndRowsSumToOne()
    {
        Tensor x = Tensor.FromArray(new float[] { 1000, 1001, 1002, -1000, 0, 1000 }, 2, 3);
        float[] y = Ops.Softmax(x).ToArray(), log = Ops.LogSoftmax(x).ToArray();
        double[] expected = { 0.09003057, 0.24472847, 0.66524096, 0, 0, 1 };
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], y[i], 1e-6);
        Assert.Equal(-2.40760596, log[0], 1e-5);
        Assert.Equal(-2000, log[3], 1e-3);
        Assert.All(log, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Values_MatchPyTorchReferencePoints()
    {
        Tensor x = Tensor.FromArray(new float[] { -2f, -0.5f, 0f, 0.5f, 2f, 30f }, 6);
        // torch.nn.functional.gelu / gelu(approximate='tanh') / silu / softplus / elu / leaky_relu at these points.
        AssertClose(new[] { -0.04550026, -0.15426877, 0, 0.34573123, 1.95449974, 30 }, Ops.Gelu(x));
        AssertClose(new[] { -0.04540231, -0.15428599, 0, 0.34571401, 1.95459769, 30 }, Ops.Gelu(x, true));
        AssertClose(new[] { -0.23840584, -0.18877033, 0, 0.31122967, 1.76159416, 30 }, Ops.Silu(x));
        AssertClose(new[] { 0.12692801, 0.47407698, 0.69314718, 0.97407698, 2.12692801, 30 }, Ops.Softplus(x));
        AssertClose(new[] { -0.86466472, -0.39346934, 0, 0.5, 2, 30 }, Ops.Elu(x));
        AssertClose(new[] { -0.02, -0.005, 0, 0.5, 2, 30 }, Ops.LeakyRelu(x));
        AssertClose(new[] { -1, -0.5, 0, 0.5, 1, 1 }, Ops.Clamp(x, -1f, 1f));
    }

    [Fact]
    public void Backward_AtKinks_FollowsPyTorch()
    {
        Tensor x = Tensor.FromArray(new double[] { -1, 0, 1, 2 }, 4);
        x.RequiresGrad = true;
        Ops.Sum(Ops.Abs(x)).Backward();
        Assert.Equal(new double[] { -1, 0, 1, 0 + 1 }, x.Grad!.ToArrayFloat64());
        x.Grad = null;
        Ops.Sum(Ops.Clamp(x, 0f, 1f)).Backward();
        Assert.Equal(new double[] { 0, 1, 1, 0 }, x.Grad!.ToArrayFloat64());
        x.Grad = null;
        Ops.Sum(Ops.Pow(x, 0f)).Backward();
        Assert.Equal(new double[] { 0, 0, 0, 0 }, x.Grad!.ToArrayFloat64());
    }

    [Fact]
    public void Erf_MatchesReferenceValues()
    {
        // erf to 17 digits (mpmath); relative error stays below 1e-14 for the series, the continued fraction and the tails.
        (double X, double Erf)[] points =
        {
            (1e-10, 1.1283791670955126e-10), (0.1, 0.1124629160182849), (0.5, 0.5204998778130465),
            (1, 0.8427007929497149), (2, 0.9953222650189527), (2.4999, 0.9995928300996666),
            (2.5, 0.9995930479825550), (3, 0.9999779095030014), (4.5, 0.9999999998033839), (6.5, 1),
        };
        foreach (var (x, erf) in points)
        {
            Assert.True(Math.Abs(Elementwise.Erf(x) - erf) <= 1e-14 * erf, $"erf({x}) = {Elementwise.Erf(x):R}, expected {erf:R}");
            Assert.Equal(-Elementwise.Erf(x), Elementwise.Erf(-x));
        }
    }

    [Theory]
    [InlineData(1, new[] { 7 })]
    [InlineData(1, new[] { 2, 3, 5 })]
    [InlineData(3, new[] { 2, 3, 5 })]
    [InlineData(3, new[] { 2, 3 })]
    public void PReLU_Float64_GradientsMatchFiniteDifferences(int slopes, int[] shape)
    {
        var layer = new PReLU(slopes);
        layer.Weight.CastInPlace(DType.Float64);
        Span<double> w = layer.Weight.AsSpanFloat64();
        for (int i = 0; i < w.Length; i++) w[i] = 0.1 + 0.2 * i;
        Tensor x = Input(shape, 0.1, 2);
        GradCheck.Assert(() => layer.Forward(x), x, layer.Weight);
    }

    [Fact]
    public void PReLU_WrongChannels_Throws()
    {
        var layer = new PReLU(3);
        Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(2, 4, 5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PReLU(0));
        Assert.Equal(new[] { 0.25f, 0.25f, 0.25f }, layer.Weight.ToArray());
    }

    [Fact]
    public void Kernels_AllocateNothing()
    {
        var x = new float[33];
        var y = new float[33];
        var d = new float[33];
        var w = new float[3];
        for (int i = 0; i < x.Length; i++) x[i] = 0.1f * i - 1.5f;
        Run(x, y, d, w);
        Assert.Equal(0, Allocations.SteadyState(() => Run(x, y, d, w)));

        static void Run(float[] x, float[] y, float[] d, float[] w)
        {
            Elementwise.Exp<float>(x, y); Elementwise.ExpBackward<float>(x, y, d);
            Elementwise.Log<float>(x, y); Elementwise.LogBackward<float>(x, x, d);
            Elementwise.Sqrt<float>(x, y); Elementwise.SqrtBackward<float>(x, y, d);
            Elementwise.Abs<float>(x, y); Elementwise.AbsBackward<float>(x, x, d);
            Elementwise.Pow<float>(x, 1.5f, y); Elementwise.PowBackward<float>(x, x, 1.5f, d);
            Elementwise.Clamp<float>(x, -1, 1, y); Elementwise.ClampBackward<float>(x, x, -1, 1, d);
            Elementwise.LeakyRelu<float>(x, 0.1f, y); Elementwise.LeakyReluBackward<float>(x, x, 0.1f, d);
            Elementwise.Elu<float>(x, 1, y); Elementwise.EluBackward<float>(x, x, 1, d);
            Elementwise.Gelu<float>(x, false, y); Elementwise.GeluBackward<float>(x, x, false, d);
            Elementwise.Gelu<float>(x, true, y); Elementwise.GeluBackward<float>(x, x, true, d);
            Elementwise.Silu<float>(x, y); Elementwise.SiluBackward<float>(x, x, d);
            Elementwise.Softplus<float>(x, 1, 20, y); Elementwise.SoftplusBackward<float>(x, x, 1, 20, d);
            Elementwise.Softmax<float>(x, y, 11); Elementwise.SoftmaxBackward<float>(x, y, d, 11);
            Elementwise.LogSoftmax<float>(x, y, 11); Elementwise.LogSoftmaxBackward<float>(x, y, d, 11);
            Elementwise.PRelu<float>(x, w, y, 3, 11); Elementwise.PReluBackward<float>(x, x, w, d, y.AsSpan(0, 3), 3, 11);
        }
    }

    private static void AssertClose(double[] expected, Tensor actual)
    {
        float[] values = actual.ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(values[i] - expected[i]) <= 2e-6 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {values[i]:R} vs {expected[i]:R}");
    }
}
