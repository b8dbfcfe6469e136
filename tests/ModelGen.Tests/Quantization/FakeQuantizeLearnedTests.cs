using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// Ops.FakeQuantizeLearned (LSQ, Esser et al. 2020): the forward grid, the paper's gradients for x and for the step
/// (including its gradient scale), and that training the step lowers the quantisation error from a bad start.
/// </summary>
public class FakeQuantizeLearnedTests
{
    [Fact]
    public void Forward_SymmetricGrid_RoundsAndClampsToTheStep()
    {
        // s = 0.5, codes −4..3: representable −2 .. 1.5.
        Tensor x = Tensor.FromArray(new[] { 0.2f, 0.3f, 0.76f, -3f, 9f, -2f, 1.5f, 1.74f }, 8);
        float[] y = Ops.FakeQuantizeLearned(x, Tensor.FromArray(new[] { 0.5f }, 1), -4, 3).AsSpan().ToArray();
        Assert.Equal(new[] { 0f, 0.5f, 1f, -2f, 1.5f, -2f, 1.5f, 1.5f }, y);
    }

    [Fact]
    public void Backward_FollowsThePapersGradients()
    {
        Tensor x = Tensor.FromArray(new[] { 0.3, -0.9, -3.0, 1.2, 9.0 }, 5);
        Tensor s = Tensor.FromArray(new[] { 0.5 }, 1);
        x.RequiresGrad = true;
        s.RequiresGrad = true;
        Tensor dy = Tensor.FromArray(new[] { 1.0, 2.0, 3.0, 4.0, 5.0 }, 5);
        const double g = 0.25;
        Ops.Sum(Ops.FakeQuantizeLearned(x, s, -4, 3, gradScale: g) * dy).Backward();

        // x/s = 0.6, −1.8, −6 (below −4), 2.4, 18 (above 3): the STE passes dy inside, blocks it outside.
        Assert.Equal(new[] { 1.0, 2.0, 0.0, 4.0, 0.0 }, x.Grad!.AsSpanFloat64().ToArray());
        // ∂ŷ/∂s: round(v/s) − v/s inside, qmin below, qmax above; the sum over dy times g.
        double expected = g * (1 * (1 - 0.6) + 2 * (-2 + 1.8) + 3 * -4 + 4 * (2 - 2.4) + 5 * 3);
        Assert.Equal(expected, s.Grad!.AsSpanFloat64()[0], 12);
    }

    [Fact]
    public void Backward_DefaultGradScale_IsOneOverRootOfCountTimesQmax()
    {
        Tensor x = Tensor.FromArray(new[] { 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0 }, 8);
        Tensor s = Tensor.FromArray(new[] { 1.0 }, 1);
        s.RequiresGrad = true;
        Ops.Sum(Ops.FakeQuantizeLearned(x, s, -2, 2)).Backward();
        // Every value clips above: ∂ŷ/∂s = qmax = 2 each, 8 of them, times 1/√(8·2).
        Assert.Equal(16 / Math.Sqrt(16), s.Grad!.AsSpanFloat64()[0], 12);
    }

    [Fact]
    public void Training_TheStep_LowersTheQuantizationError()
    {
        // Gaussian-like values on a 4-bit signed grid, starting from a step a tenth of the paper's initial value:
        // most values clip. Adam on the mean squared error between ŷ and x moves s to where error is far lower.
        var rng = new Random(5);
        var values = new float[4096];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        Tensor x = Tensor.FromArray(values, values.Length);
        var step = new Parameter("step", Tensor.FromArray(new[] { (float)(0.1 * Ops.LearnedScaleInit(x, 7)) }, 1));
        var adam = new Adam([step], lr: 0.01f);

        Tensor Loss()
        {
            Tensor d = Ops.FakeQuantizeLearned(x, step.Value, -8, 7) - x;
            return Ops.Mean(d * d);
        }
        float Error() => Loss().Item();
        float before = Error();
        for (int i = 0; i < 300; i++)
        {
            adam.ZeroGrad();
            Loss().Backward();
            adam.Step();
        }
        float after = Error();
        Assert.True(after < before / 10, $"error {before} -> {after}, step {step.Value.Item()}");
        Assert.True(after < 0.02f, $"error {after}: a 4-bit grid on unit Gaussian values reaches about 0.01");
    }

    [Fact]
    public void InitialScale_IsTwiceTheMeanMagnitudeOverRootQmax()
        => Assert.Equal(2 * 2.5 / Math.Sqrt(4), Ops.LearnedScaleInit(Tensor.FromArray(new[] { 1.0, -2.0, 3.0, -4.0 }, 4), 4), 12);

    [Fact]
    public void FakeQuantizeLearned_InvalidArguments_Throw()
    {
        Tensor x = Tensor.Zeros(3);
        Assert.Throws<ArgumentException>(() => Ops.FakeQuantizeLearned(x, Tensor.Zeros(2), -4, 3));
        Assert.Throws<ArgumentException>(() => Ops.FakeQuantizeLearned(x, Tensor.FromArray(new[] { 0.5 }, 1), -4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.FakeQuantizeLearned(x, Tensor.FromArray(new[] { 0f }, 1), -4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.FakeQuantizeLearned(x, Tensor.FromArray(new[] { 0.5f }, 1), 1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.FakeQuantizeLearned(x, Tensor.FromArray(new[] { 0.5f }, 1), -4, 0));
    }
}
