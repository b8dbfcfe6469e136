using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Optim;

/// <summary>
/// The range test on least squares with SGD, where the answer is known: the loss ½·Σkᵢ(θᵢ − cᵢ)² with largest
/// curvature k = 4 descends under heavy-ball momentum β for η &lt; 2(1 + β)/k (0.75 with β = 0.5) and diverges above.
/// </summary>
public class LRFinderTests
{
    private static readonly double[] Target = [1, -2, 0.5, 3];
    private static readonly double[] Curvature = [4, 2, 1, 3];

    private static float Step(Parameter theta, IOptimizer optimizer)
    {
        var v = theta.Value.AsSpan();
        double loss = 0;
        for (int i = 0; i < v.Length; i++)
        {
            double d = v[i] - Target[i];
            loss += 0.5 * Curvature[i] * d * d;
            theta.Grad.AsSpan()[i] = (float)(Curvature[i] * d);
        }
        optimizer.Step();
        return (float)loss;
    }

    [Fact]
    public void Run_Quadratic_SuggestsARateBelowTheDivergenceLimitAndRestoresEverything()
    {
        var theta = new Parameter("theta", Tensor.FromArray(new[] { 5f, 5f, -5f, -5f }, 4));
        var optimizer = new Sgd([theta], lr: 0.01, momentum: 0.5);
        Step(theta, optimizer); // some momentum to restore
        float[] before = theta.Value.ToArray();
        var stateBefore = optimizer.StateDict();

        LRFinderResult result = LRFinder.Run(optimizer, () => Step(theta, optimizer), minLr: 1e-4, maxLr: 10, steps: 100);

        Assert.True(result.Diverged, "the loss should blow up well before lr 10");
        Assert.True(result.LearningRates.Count < 100);
        Assert.True(result.Suggestion > 1e-3 && result.Suggestion < 0.75, $"suggestion {result.Suggestion}");
        Assert.Equal(result.LearningRates.Count, result.SmoothedLosses.Count);
        // η_i = 1e-4·(1e5)^(i/99): the grid is geometric.
        Assert.Equal(1e-4, result.LearningRates[0], 1e-15);
        Assert.Equal(1e-4 * Math.Pow(1e5, 10 / 99.0), result.LearningRates[10], 1e-12);
        // The first smoothed loss is the first loss (bias correction), then an average of the losses.
        Assert.Equal(result.Losses[0], result.SmoothedLosses[0], 1e-9);

        Assert.Equal(before, theta.Value.ToArray());
        var stateAfter = optimizer.StateDict();
        Assert.Equal(stateBefore["state.0.momentum_buffer"].ToArray(), stateAfter["state.0.momentum_buffer"].ToArray());
        Assert.Equal(stateBefore["state.0.step"].ItemFloat64(), stateAfter["state.0.step"].ItemFloat64());
        Assert.Equal(0.01, optimizer.ParamGroups[0].LearningRate);
    }

    [Fact]
    public void Run_NarrowRangeThatNeverDiverges_RunsEveryStep()
    {
        var theta = new Parameter("theta", Tensor.FromArray(new[] { 5f, 5f, -5f, -5f }, 4));
        var optimizer = new Sgd([theta], lr: 0.01);
        var result = LRFinder.Run(optimizer, () => Step(theta, optimizer), minLr: 1e-3, maxLr: 0.1, steps: 30);
        Assert.False(result.Diverged);
        Assert.Equal(30, result.LearningRates.Count);
        Assert.Equal(0.1, result.LearningRates[^1], 1e-12);
        Assert.InRange(result.Suggestion, 1e-3, 0.1);
    }
}
