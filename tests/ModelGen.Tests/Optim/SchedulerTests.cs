using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Optim;

/// <summary>
/// The schedules against learning-rate sequences worked out by hand from torch.optim.lr_scheduler's formulas. Each
/// sequence lists the rate after construction (t = 0) and after each Step.
/// </summary>
public class SchedulerTests
{
    private static Sgd NewOptimizer(double lr = 1) => new([new Parameter("w", Tensor.Zeros(2))], lr: lr);

    private static double[] Sequence(IOptimizer optimizer, ILRScheduler schedule, int steps)
    {
        var rates = new List<double> { optimizer.ParamGroups[0].LearningRate };
        Assert.Equal(rates[0], schedule.LastLearningRate);
        for (int t = 0; t < steps; t++)
        {
            schedule.Step();
            rates.Add(optimizer.ParamGroups[0].LearningRate);
            Assert.Equal(rates[^1], schedule.LastLearningRate);
        }
        return [.. rates];
    }

    private static void AssertRates(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"t = {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void StepLR_StepTwoGammaHalf_HalvesEveryTwoSteps()
    {
        // 1·0.5^⌊t/2⌋
        var optimizer = NewOptimizer();
        AssertRates([1, 1, 0.5, 0.5, 0.25], Sequence(optimizer, new StepLR(optimizer, stepSize: 2, gamma: 0.5), 4));
    }

    [Fact]
    public void MultiStepLR_MilestonesTwoAndFour_DecaysAtEach()
    {
        // 1·0.1^(#milestones ≤ t); unsorted milestones are sorted.
        var optimizer = NewOptimizer();
        AssertRates([1, 1, 0.1, 0.1, 0.01, 0.01], Sequence(optimizer, new MultiStepLR(optimizer, [4, 2]), 5));
    }

    [Fact]
    public void ExponentialLR_GammaHalf_HalvesEachStep()
    {
        var optimizer = NewOptimizer(0.8);
        AssertRates([0.8, 0.4, 0.2, 0.1], Sequence(optimizer, new ExponentialLR(optimizer, 0.5), 3));
    }

    [Fact]
    public void LinearLR_Defaults_WarmsUpFromAThirdOverFiveSteps()
    {
        // 1·(1/3 + (2/3)·min(t, 5)/5): 1/3, 7/15, 9/15, 11/15, 13/15, 1, 1
        var optimizer = NewOptimizer();
        AssertRates([1.0 / 3, 7.0 / 15, 9.0 / 15, 11.0 / 15, 13.0 / 15, 1, 1], Sequence(optimizer, new LinearLR(optimizer), 6));
    }

    [Fact]
    public void LinearLR_Decay_MovesToTheEndFactor()
    {
        // 0.1·(1 + (0.5 − 1)·min(t, 4)/4): 0.1, 0.0875, 0.075, 0.0625, 0.05, 0.05
        var optimizer = NewOptimizer(0.1);
        AssertRates([0.1, 0.0875, 0.075, 0.0625, 0.05, 0.05], Sequence(optimizer, new LinearLR(optimizer, 1, 0.5, 4), 5));
    }

    [Fact]
    public void OneCycleLR_CosineTwoPhases_MatchesTorchPhases()
    {
        // maxLr 1, N 10, pct 0.3: η_init = 1/25 = 0.04, η_min = 0.04/1e4 = 4e-6. Phase 1 ends at 0.3·10 − 1 = 2,
        // phase 2 at 9. Cos annealing e + (s − e)(1 + cos πp)/2: t=1: p = 1/2 → 1 + (0.04 − 1)/2 = 0.52; t=3: p = 1/7 →
        // 4e-6 + (1 − 4e-6)(1 + cos(π/7))/2 = 0.950484632; t=6: p = 4/7 → 0.388741978; t=9: η_min.
        var optimizer = NewOptimizer(123); // the optimizer's own rate is ignored
        var schedule = new OneCycleLR(optimizer, maxLr: 1, totalSteps: 10);
        AssertRates([0.04, 0.52, 1, 0.950484632013, 0.81174565395, 0.611262021936, 0.388741978064, 0.18825834605, 0.049519367987, 4e-6],
            Sequence(optimizer, schedule, 9).Select(x => Math.Round(x, 12)).ToArray());
        Assert.Equal(0.04, optimizer.ParamGroups[0].InitialLearningRate);
        schedule.Step(); // t = N is still allowed, as in torch
        Assert.Throws<InvalidOperationException>(schedule.Step);
    }

    [Fact]
    public void OneCycleLR_LinearThreePhases_MatchesTorchPhases()
    {
        // Phases end at 2, 0.6·10 − 2 = 4, 9: 0.04 → 1 → 0.04 → 4e-6, linear s + (e − s)p; the last phase falls
        // (0.04 − 4e-6)/5 = 0.0079992 per step.
        var optimizer = NewOptimizer();
        var schedule = new OneCycleLR(optimizer, maxLr: 1, totalSteps: 10, annealStrategy: "linear", threePhase: true);
        AssertRates([0.04, 0.52, 1, 0.52, 0.04, 0.0320008, 0.0240016, 0.0160024, 0.0080032, 4e-6], Sequence(optimizer, schedule, 9));
    }

    [Fact]
    public void CosineAnnealingWarmRestarts_DoublingCycles_RestartAtTwoAndSix()
    {
        // T₀ 2, T_mult 2: T_cur/T_i = 0/2, 1/2, 0/4 (restart), 1/4, 2/4, 3/4, 0/8 (restart). η = (1 + cos(π·T_cur/T_i))/2.
        var optimizer = NewOptimizer();
        var schedule = new CosineAnnealingWarmRestarts(optimizer, t0: 2, tMult: 2);
        AssertRates([1, 0.5, 1, 0.853553390593, 0.5, 0.146446609407, 1], Sequence(optimizer, schedule, 6).Select(x => Math.Round(x, 12)).ToArray());
        Assert.Equal((0, 8), (schedule.TCur, schedule.TI));
    }

    [Fact]
    public void CosineAnnealingWarmRestarts_EtaMin_IsTheFloorOfEachCycle()
    {
        // T₀ 4, T_mult 1, η_min 0.1 from 0.5: 0.1 + 0.4·(1 + cos(πt/4))/2 for t mod 4.
        var optimizer = NewOptimizer(0.5);
        double Rate(int t) => 0.1 + 0.4 * (1 + Math.Cos(Math.PI * (t % 4) / 4)) / 2;
        AssertRates([.. Enumerable.Range(0, 10).Select(Rate)], Sequence(optimizer, new CosineAnnealingWarmRestarts(optimizer, 4, etaMin: 0.1), 9));
    }

    [Fact]
    public void SequentialLR_WarmUpThenExponential_SwitchesAtTheMilestone()
    {
        // LinearLR(0.5, 1, 2) for t < 2: 0.5, 0.75; at t = 2 ExponentialLR(0.5) restarts at its step 0: 1, then 0.5, 0.25.
        var optimizer = NewOptimizer();
        var warmUp = new LinearLR(optimizer, 0.5, 1, 2);
        var decay = new ExponentialLR(optimizer, 0.5);
        var schedule = new SequentialLR(optimizer, [warmUp, decay], [2]);
        AssertRates([0.5, 0.75, 1, 0.5, 0.25], Sequence(optimizer, schedule, 4));
    }

    [Fact]
    public void SequentialLR_MismatchedArguments_Throw()
    {
        var optimizer = NewOptimizer();
        var a = new StepLR(optimizer, 1);
        var b = new StepLR(optimizer, 1);
        Assert.Throws<ArgumentException>(() => new SequentialLR(optimizer, [a, b], []));
        Assert.Throws<ArgumentException>(() => new SequentialLR(NewOptimizer(), [a, b], [3]));
    }

    [Fact]
    public void CosineAnnealingLR_ImplementsTheScheduleInterface()
    {
        // 0.5·(1 + cos(πt/4))/2: 0.5, 0.4267767, 0.25, 0.0732233, 0 and 0 past T_max.
        var optimizer = NewOptimizer(0.5);
        ILRScheduler schedule = new CosineAnnealingLR(optimizer, 4);
        AssertRates([0.5, 0.426776695297, 0.25, 0.073223304703, 0, 0], Sequence(optimizer, schedule, 5).Select(x => Math.Round(x, 12)).ToArray());
    }

    [Fact]
    public void Schedules_TwoGroups_ScaleEachFromItsOwnInitialRate()
    {
        // Groups at 1 and 0.1 under StepLR(1, 0.5): 0.5 and 0.05, then 0.25 and 0.025.
        var a = new Parameter("a", Tensor.Zeros(2));
        var b = new Parameter("b", Tensor.Zeros(2));
        var optimizer = new Adam([new ParamGroup([a]), new ParamGroup([b], lr: 0.1)], lr: 1);
        var schedule = new StepLR(optimizer, 1, 0.5);
        schedule.Step();
        Assert.Equal([0.5, 0.05], schedule.LastLearningRates);
        schedule.Step();
        Assert.Equal([0.25, 0.025], optimizer.ParamGroups.Select(g => g.LearningRate));
        Assert.Equal([1.0, 0.1], optimizer.ParamGroups.Select(g => g.InitialLearningRate!.Value));
    }

    [Fact]
    public void ReduceLROnPlateau_PatienceOne_HalvesAfterTwoBadEpochs()
    {
        // metrics:      1    0.9   0.95  0.95  0.95  0.8   0.85  0.85
        // better?       yes  yes   no    no    no    yes   no    no
        // bad epochs    0    0     1     2→0   1     0     1     2→0
        // lr            1    1     1     0.5   0.5   0.5   0.5   0.25
        var optimizer = NewOptimizer();
        var schedule = new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 1);
        double[] metrics = [1, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85];
        double[] rates = [.. metrics.Select(m => { schedule.Step(m); return optimizer.ParamGroups[0].LearningRate; })];
        Assert.Equal([1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25], rates);
        Assert.Equal(0.8, schedule.Best);
    }

    [Fact]
    public void ReduceLROnPlateau_CooldownMaxModeAbsThresholdAndFloor()
    {
        // mode max, abs threshold 0.1: an improvement must exceed best + 0.1. patience 0, cooldown 1, floor 0.3.
        // metric 1 (best 1); 1.05 bad → reduce to 0.5, cooldown 1; 1.05 bad but cooling → count reset; 1.05 bad →
        // reduce to max(0.25, 0.3) = 0.3; 1.05 in cooldown; 1.05 bad → 0.3·0.5 < floor: stays 0.3.
        var optimizer = NewOptimizer();
        var schedule = new ReduceLROnPlateau(optimizer, mode: "max", factor: 0.5, patience: 0, threshold: 0.1, thresholdMode: "abs", cooldown: 1, minLr: 0.3);
        double[] rates = [.. new[] { 1, 1.05, 1.05, 1.05, 1.05, 1.05 }.Select(m => { schedule.Step(m); return optimizer.ParamGroups[0].LearningRate; })];
        Assert.Equal([1, 0.5, 0.5, 0.3, 0.3, 0.3], rates);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(optimizer, factor: 1));
    }

    [Fact]
    public void StateDict_LoadedIntoAFreshSchedule_ContinuesTheSequence()
    {
        var optimizer = NewOptimizer();
        var schedule = new CosineAnnealingWarmRestarts(optimizer, t0: 3, tMult: 2, etaMin: 0.01);
        for (int t = 0; t < 5; t++) schedule.Step();
        var optimizerState = optimizer.StateDict();
        var state = schedule.StateDict();
        Assert.Equal(5, state["last_epoch"].ItemFloat64());
        double[] expected = [.. Enumerable.Range(0, 6).Select(_ => { schedule.Step(); return schedule.LastLearningRate; })];

        var resumedOptimizer = NewOptimizer();
        var resumed = new CosineAnnealingWarmRestarts(resumedOptimizer, t0: 3, tMult: 2, etaMin: 0.01);
        resumedOptimizer.LoadStateDict(optimizerState);
        resumed.LoadStateDict(state);
        double[] actual = [.. Enumerable.Range(0, 6).Select(_ => { resumed.Step(); return resumed.LastLearningRate; })];
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void SequentialLR_StateDict_ResumesAcrossTheMilestone()
    {
        (Sgd Optimizer, SequentialLR Schedule) Build()
        {
            var optimizer = NewOptimizer();
            var warmUp = new LinearLR(optimizer, 0.25, 1, 3);
            var cosine = new CosineAnnealingLR(optimizer, 5, 0.1);
            return (optimizer, new SequentialLR(optimizer, [warmUp, cosine], [3]));
        }
        var (optimizer, schedule) = Build();
        schedule.Step();
        schedule.Step();
        var state = schedule.StateDict();
        Assert.True(state.ContainsKey("_schedulers.1.last_epoch"));
        var optimizerState = optimizer.StateDict();
        double[] expected = [.. Enumerable.Range(0, 5).Select(_ => { schedule.Step(); return schedule.LastLearningRate; })];
        // Step 3 hands over to the cosine at its step 0: the full rate 1.
        Assert.Equal(1.0, expected[0]);

        var (resumedOptimizer, resumed) = Build();
        resumedOptimizer.LoadStateDict(optimizerState);
        resumed.LoadStateDict(state);
        Assert.Equal(0.75, resumed.LastLearningRate, 1e-15); // 0.25 + 0.75·2/3
        double[] actual = [.. Enumerable.Range(0, 5).Select(_ => { resumed.Step(); return resumed.LastLearningRate; })];
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ReduceLROnPlateau_StateDict_KeepsTheCounters()
    {
        var optimizer = NewOptimizer();
        var schedule = new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 2, cooldown: 3);
        // 1 (best), three bad epochs → 0.5 and a cooldown of 3; 0.5 (best, cooling: 2 left); 0.6 (bad, cooling: 1 left).
        foreach (double metric in new[] { 1.0, 1.0, 1.0, 1.0, 0.5, 0.6 }) schedule.Step(metric);
        var state = schedule.StateDict();
        Assert.Equal(0.5, state["best"].ItemFloat64());
        Assert.Equal(0.5, state["last_lr.0"].ItemFloat64());
        Assert.Equal(1, state["cooldown_counter"].ItemFloat64());

        var resumed = new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 2, cooldown: 3);
        resumed.LoadStateDict(state);
        Assert.Equal((schedule.Best, schedule.NumBadEpochs, schedule.CooldownCounter, schedule.LastEpoch),
            (resumed.Best, resumed.NumBadEpochs, resumed.CooldownCounter, resumed.LastEpoch));
    }
}
