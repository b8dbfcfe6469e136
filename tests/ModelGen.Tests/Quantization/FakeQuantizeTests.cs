using ModelGen.Tests.Runtime;
using Xunit;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// Ops.FakeQuantize: forward values on a coarse grid, the straight-through gradient mask, and a finite-difference
/// check on a grid far finer than the difference step, where the quantiser is the identity inside its range and
/// constant outside, so the STE is its true derivative.
/// </summary>
public class FakeQuantizeTests
{
    [Fact]
    public void FakeQuantize_CoarseGrid_RoundsHalfToEvenClampsAndDequantizes()
    {
        // scale 0.5, zero point 2, codes 0..5: representable values −1 .. 1.5.
        Tensor x = Tensor.FromArray(new[] { 0.2f, 0.25f, 0.75f, -3f, 9f, -1f, 1.5f, 1.74f }, 8);
        float[] y = Ops.FakeQuantize(x, 0.5, 2, 0, 5).AsSpan().ToArray();
        Assert.Equal(new[] { 0f, 0f, 1f, -1f, 1.5f, -1f, 1.5f, 1.5f }, y);
    }

    [Fact]
    public void FakeQuantize_Backward_PassesGradientOnlyWhereTheCodeIsInRange()
    {
        Tensor x = Tensor.FromArray(new[] { 0.2, -1.0, -1.3, 1.5, 1.74, 1.76, 9.0 }, 7);
        x.RequiresGrad = true;
        Tensor weights = Tensor.FromArray(new[] { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0 }, 7);
        Ops.Sum(Ops.FakeQuantize(x, 0.5, 2, 0, 5) * weights).Backward();
        // Codes: 2, 0, round(−2.6)+2 = −1 (clipped), 5, round(3.48)+2 = 5, round(3.52)+2 = 6 (clipped), 20 (clipped).
        Assert.Equal(new[] { 1.0, 2.0, 0.0, 4.0, 5.0, 0.0, 0.0 }, x.Grad!.AsSpanFloat64().ToArray());
    }

    [Fact]
    public void FakeQuantize_FineGrid_MatchesFiniteDifferences()
    {
        // Step 1e-12 ≪ ε = 1e-6: the numeric derivative is 1 ± 1e-6 inside [−1e-3, 1e-3] and 0 outside.
        var rng = new Rng(17);
        Tensor x = GradCheck.Random(rng, -2e-3, 2e-3, 4, 25);
        Span<double> values = x.AsSpanFloat64();
        for (int i = 0; i < values.Length; i++)
            if (Math.Abs(Math.Abs(values[i]) - 1e-3) < 1e-5) values[i] *= 0.9; // away from the clipping edges
        GradCheckResult result = GradCheck.Run(() => Ops.FakeQuantize(x, 1e-12, 0, -1_000_000_000, 1_000_000_000), x);
        Assert.True(result.MaxError <= 1e-5, result.ToString());
        Assert.Contains(values.ToArray(), v => Math.Abs(v) > 1e-3); // some values were clipped: both branches checked
    }

    [Theory]
    [InlineData(0.0, 0, 0, 5)]
    [InlineData(0.5, 7, 0, 5)]
    [InlineData(0.5, 0, 5, 0)]
    public void FakeQuantize_InvalidGrid_Throws(double scale, int zeroPoint, int qmin, int qmax)
        => Assert.Throws<ArgumentOutOfRangeException>(() => Ops.FakeQuantize(Tensor.Zeros(3), scale, zeroPoint, qmin, qmax));
}
