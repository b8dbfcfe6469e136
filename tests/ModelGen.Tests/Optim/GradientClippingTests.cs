using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Optim;

/// <summary>clip_grad_norm_ and clip_grad_value_ on gradients [3, 4] and [−12] (and a parameter without one).</summary>
public class GradientClippingTests
{
    private static Parameter[] Parameters(DType dtype)
    {
        var a = new Parameter("a", Tensor.Zeros(dtype, 2));
        var b = new Parameter("b", Tensor.Zeros(dtype, 1));
        var none = new Parameter("none", Tensor.Zeros(dtype, 3)); // no gradient: skipped
        Fill(a.Grad, 3, 4);
        Fill(b.Grad, -12);
        return [a, b, none];
    }

    private static void Fill(Tensor grad, params double[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (grad.DType == DType.Float32) grad.AsSpan()[i] = (float)values[i];
            else grad.AsSpanFloat64()[i] = values[i];
        }
    }

    private static double[] Gradients(Parameter[] parameters) => [.. parameters[0].Grad.ToArrayFloat64(), .. parameters[1].Grad.ToArrayFloat64()];

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    public void ClipGradNorm_L2AboveTheMax_ScalesToTheMaxAndReturnsTheNormBefore(DType dtype)
    {
        // ‖(3, 4, −12)‖₂ = √(9 + 16 + 144) = 13; coefficient 6.5/(13 + 1e-6) ≈ 0.5 → (1.5, 2, −6).
        var parameters = Parameters(dtype);
        Assert.Equal(13, GradientClipping.ClipGradNorm(parameters, maxNorm: 6.5), 1e-12);
        double c = 6.5 / (13 + 1e-6);
        Assert.Equal([3 * c, 4 * c, -12 * c], Gradients(parameters), new Tolerance(dtype == DType.Float32 ? 1e-6 : 1e-15));
        Assert.Null(parameters[2].Value.Grad);
    }

    [Fact]
    public void ClipGradNorm_BelowTheMax_LeavesGradientsAlone()
    {
        var parameters = Parameters(DType.Float64);
        Assert.Equal(13, GradientClipping.ClipGradNorm(parameters, maxNorm: 20), 1e-12);
        Assert.Equal([3.0, 4, -12], Gradients(parameters));
    }

    [Fact]
    public void ClipGradNorm_InfinityAndL1Norms()
    {
        // ∞-norm: max |g| = 12; clip to 3 → coefficient 3/(12 + 1e-6) → (0.75, 1, −3). L1: 3 + 4 + 12 = 19.
        var parameters = Parameters(DType.Float64);
        Assert.Equal(12, GradientClipping.ClipGradNorm(parameters, 3, double.PositiveInfinity));
        Assert.Equal([0.75, 1, -3], Gradients(parameters), new Tolerance(1e-6));
        Assert.Equal(19, GradientClipping.ClipGradNorm(Parameters(DType.Float64), 100, normType: 1), 1e-12);
        // p = 3: (27 + 64 + 1728)^(1/3) = 1819^(1/3) = 12.2081...
        Assert.Equal(Math.Cbrt(1819), GradientClipping.ClipGradNorm(Parameters(DType.Float64), 100, normType: 3), 1e-12);
    }

    [Fact]
    public void ClipGradValue_ClampsEachElement()
    {
        var parameters = Parameters(DType.Float32);
        GradientClipping.ClipGradValue(parameters, 3.5);
        Assert.Equal([3, 3.5, -3.5], Gradients(parameters));
    }

    [Fact]
    public void Clipping_AfterWarmUp_AllocatesNothing()
    {
        IReadOnlyList<Parameter> parameters = Parameters(DType.Float32);
        GradientClipping.ClipGradNorm(parameters, 1);
        GradientClipping.ClipGradValue(parameters, 1);
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 10; i++)
            {
                GradientClipping.ClipGradNorm(parameters, 1);
                GradientClipping.ClipGradValue(parameters, 0.5);
            }
        }));
    }
}
