using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>The Zhu and Gupta 2017 schedule against its formula, and the masks it produces step by step.</summary>
public class GradualPruningTests
{
    private static LayerListModel Model()
    {
        var model = new LayerListModel(("fc", new Linear(50, 40)), ("head", new Linear(40, 3)));
        model.Initialize(5);
        return model;
    }

    /// <summary>s_t = s_f + (s_i − s_f)(1 − (t − t₀)/(nΔt))³, written out from the paper.</summary>
    private static double Formula(double si, double sf, int t, int t0, int n, int dt) => sf + (si - sf) * Math.Pow(1 - (double)(t - t0) / (n * dt), 3);

    [Fact]
    public void SparsityAt_EveryStep_FollowsTheCubicFormulaHeldBetweenPruningSteps()
    {
        const int t0 = 10, n = 4, dt = 5;
        var schedule = new GradualPruning(Model(), finalSparsity: 0.9, startStep: t0, pruningSteps: n, frequency: dt, initialSparsity: 0.1);

        Assert.Equal(30, schedule.EndStep);
        for (int t = 0; t < t0; t++) Assert.Equal(0, schedule.SparsityAt(t));
        for (int k = 0; k <= n; k++)
        {
            int t = t0 + k * dt;
            Assert.True(schedule.IsPruningStep(t));
            double expected = Formula(0.1, 0.9, t, t0, n, dt);
            Assert.Equal(expected, schedule.SparsityAt(t), 12);
            // Held until the next pruning step.
            for (int between = t + 1; between < t + dt && k < n; between++)
            {
                Assert.False(schedule.IsPruningStep(between));
                Assert.Equal(expected, schedule.SparsityAt(between), 12);
            }
        }
        Assert.Equal(0.1, schedule.SparsityAt(t0), 12);
        Assert.Equal(0.9 - 0.8 * 0.421875, schedule.SparsityAt(15), 12); // (1 − 1/4)³ = 0.421875, by hand
        Assert.Equal(0.9, schedule.SparsityAt(30));
        Assert.Equal(0.9, schedule.SparsityAt(1000));
        Assert.False(schedule.IsPruningStep(35));
    }

    [Fact]
    public void Step_DrivesMasksToTheScheduledCountsAndOnlyGrowsThem()
    {
        var model = Model();
        var schedule = new GradualPruning(model, finalSparsity: 0.8, startStep: 3, pruningSteps: 5, frequency: 2);
        Parameter weight = model["fc.weight"], head = model["head.weight"];
        bool[] previous = new bool[weight.Value.Length];
        int prunings = 0;
        for (int t = 1; t <= 20; t++)
        {
            bool pruned = schedule.Step();
            Assert.Equal(t, schedule.StepsTaken);
            Assert.Equal(schedule.IsPruningStep(t), pruned);
            if (pruned) prunings++;
            int expected = (int)Math.Round(schedule.SparsityAt(t) * 2000, MidpointRounding.ToEven);
            Assert.Equal(expected, weight.PrunedCount);
            Assert.Equal(expected, weight.Value.ToArray().Count(v => v == 0));
            Assert.Equal((int)Math.Round(schedule.SparsityAt(t) * 120, MidpointRounding.ToEven), head.PrunedCount);
            bool[] now = weight.IsMasked ? [.. weight.Mask.ToArray().Select(keep => !keep)] : new bool[previous.Length];
            for (int i = 0; i < now.Length; i++)
            {
                if (previous[i] && !now[i]) Assert.Fail($"element {i} was revived at step {t}");
            }
            previous = now;
        }
        Assert.Equal(6, prunings);
        Assert.Equal(1600, weight.PrunedCount);
    }

    [Fact]
    public void Constructor_StartStepZero_PrunesToTheInitialSparsityAtOnce()
    {
        var model = Model();
        _ = new GradualPruning(model, finalSparsity: 0.5, startStep: 0, pruningSteps: 2, frequency: 1, initialSparsity: 0.25);
        Assert.Equal(500, model["fc.weight"].PrunedCount);
    }

    [Fact]
    public void Constructor_InvalidSchedule_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradualPruning(Model(), 0.5, 0, 2, 1, initialSparsity: 0.6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradualPruning(Model(), 0.5, 0, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradualPruning(Model(), 0.5, 0, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradualPruning(Model(), 0.5, -1, 1, 1));
    }
}
