using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Optim;

/// <summary>The EMA of weights: θ̄ ← d·θ̄ + (1 − d)·θ, swapped in for evaluation and back.</summary>
public class ExponentialMovingAverageTests
{
    [Fact]
    public void Update_DecayHalf_FollowsTheRecurrence()
    {
        // θ̄₀ = θ = [2, −4]; θ = [4, 0] → θ̄ = [3, −2]; θ = [6, 2] → θ̄ = [4.5, 0].
        var p = new Parameter("w", Tensor.FromArray(new[] { 2.0, -4.0 }, 2));
        var ema = new ExponentialMovingAverage([p], decay: 0.5);
        new[] { 4.0, 0.0 }.CopyTo(p.Value.AsSpanFloat64());
        ema.Update();
        Assert.Equal([3.0, -2.0], ema.Average(0).ToArrayFloat64());
        new[] { 6.0, 2.0 }.CopyTo(p.Value.AsSpanFloat64());
        ema.Update();
        Assert.Equal([4.5, 0.0], ema.Average(0).ToArrayFloat64());
        Assert.Equal(2, ema.Updates);
    }

    [Fact]
    public void ApplyToAndRestore_SwapTheAveragedWeightsInAndOut()
    {
        var p = new Parameter("w", Tensor.FromArray(new[] { 1f, 1f }, 2));
        var ema = new ExponentialMovingAverage([p], decay: 0.9);
        new[] { 11f, -9f }.CopyTo(p.Value.AsSpan());
        ema.Update(); // 0.9·1 + 0.1·11 = 2, 0.9·1 + 0.1·(−9) = 0
        ema.ApplyTo();
        Assert.Equal([2f, 0f], p.Value.ToArray(), new FloatTolerance());
        Assert.Throws<InvalidOperationException>(ema.Update);
        ema.Restore();
        Assert.Equal([11f, -9f], p.Value.ToArray());
        Assert.Throws<InvalidOperationException>(ema.Restore);

        var other = new Parameter("w", Tensor.Zeros(2));
        ema.CopyTo([other]);
        Assert.Equal([2f, 0f], other.Value.ToArray(), new FloatTolerance());
        Assert.Throws<ArgumentException>(() => ema.CopyTo([new Parameter("w", Tensor.Zeros(3))]));
    }

    [Fact]
    public void Update_AfterWarmUp_AllocatesNothing()
    {
        var ema = new ExponentialMovingAverage([new Parameter("a", Tensor.Zeros(4, 4)), new Parameter("b", Tensor.Zeros(DType.Float64, 4))]);
        ema.Update();
        Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 10; i++) ema.Update(); }));
    }

    private sealed class FloatTolerance : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= 1e-6f;

        public int GetHashCode(float obj) => 0;
    }
}
