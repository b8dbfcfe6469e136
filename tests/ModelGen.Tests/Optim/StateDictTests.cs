using ModelGen.Optim;
using ModelGen.Tests.Models;
using Xunit;

namespace ModelGen.Tests.Optim;

/// <summary>
/// Optimizer and schedule state dicts: torch's key names, deep copies, and resuming from them bit for bit.
/// </summary>
public class StateDictTests
{
    public static TheoryData<string> Optimizers() =>
    [
        "sgd", "sgd-momentum", "adam", "adamw", .. OptimizerCase.All.Keys,
    ];

    private static IOptimizer Create(string kind, IEnumerable<ParamGroup> groups) => kind switch
    {
        "sgd" => new Sgd(groups, lr: 0.1, weightDecay: 0.01),
        "sgd-momentum" => new Sgd(groups, lr: 0.1, momentum: 0.9, nesterov: true),
        "adam" => new Adam(groups, lr: 0.01),
        "adamw" => new AdamW(groups, lr: 0.01),
        _ => OptimizerCase.All[kind].Create(groups),
    };

    private static Parameter[] NewParameters() =>
    [
        new Parameter("w", Tensor.FromArray(new[] { 0.5f, -1.5f, 2f, 0.25f, -0.75f, 1f }, 2, 3)),
        new Parameter("b", Tensor.FromArray(new[] { 0.1f, -0.2f, 0.3f }, 3)),
    ];

    private static ParamGroup[] Groups(Parameter[] p) => [new ParamGroup([p[0]]), new ParamGroup([p[1]], lr: 0.003)];

    private static void SetGradients(Parameter[] parameters, int step)
    {
        foreach (var p in parameters)
        {
            var v = p.Value.AsSpan();
            for (int i = 0; i < v.Length; i++) p.Grad.AsSpan()[i] = MathF.Sin(3 * v[i] + step) + 0.1f * i;
        }
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void LoadStateDict_IntoAFreshOptimizer_ResumesBitForBit(string kind)
    {
        Parameter[] original = NewParameters();
        IOptimizer optimizer = Create(kind, Groups(original));
        for (int t = 0; t < 3; t++)
        {
            SetGradients(original, t);
            optimizer.Step();
        }
        optimizer.ParamGroups[1].LearningRate = 0.002; // a schedule's change must travel with the state
        Dictionary<string, Tensor> state = optimizer.StateDict();
        float[][] snapshot = [.. original.Select(p => p.Value.ToArray())];

        Parameter[] copy = NewParameters();
        for (int i = 0; i < copy.Length; i++) snapshot[i].CopyTo(copy[i].Value.AsSpan());
        IOptimizer resumed = Create(kind, Groups(copy));
        resumed.LoadStateDict(state);
        Assert.Equal(0.002, resumed.ParamGroups[1].LearningRate);

        for (int t = 3; t < 7; t++)
        {
            SetGradients(original, t);
            SetGradients(copy, t);
            optimizer.Step();
            resumed.Step();
        }
        for (int i = 0; i < copy.Length; i++) Assert.Equal(original[i].Value.ToArray(), copy[i].Value.ToArray());
    }

    [Fact]
    public void StateDict_AdamAmsGrad_UsesTorchKeysAndDeepCopies()
    {
        Parameter[] parameters = NewParameters();
        var adam = new Adam(Groups(parameters), lr: 0.01, amsgrad: true);
        SetGradients(parameters, 0);
        adam.Step();
        new StepLR(adam, 10); // records initial_lr
        var state = adam.StateDict();
        string[] expected =
        [
            "param_groups.0.initial_lr", "param_groups.0.lr", "param_groups.0.params", "param_groups.0.weight_decay",
            "param_groups.1.initial_lr", "param_groups.1.lr", "param_groups.1.params", "param_groups.1.weight_decay",
            "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.0.step",
            "state.1.exp_avg", "state.1.exp_avg_sq", "state.1.max_exp_avg_sq", "state.1.step",
        ];
        Assert.Equal(expected, state.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1.0, state["state.0.step"].ItemFloat64());
        Assert.Equal(0, state["state.0.step"].Rank);
        Assert.Equal([2, 3], state["state.0.exp_avg"].Shape);
        Assert.Equal([1], state["param_groups.1.params"].ToArrayInt32());
        Assert.Equal(0.003, state["param_groups.1.lr"].ItemFloat64());

        // A deep copy: the next step changes the optimizer's moments but not the dict's.
        float[] before = state["state.0.exp_avg"].ToArray();
        SetGradients(parameters, 1);
        adam.Step();
        Assert.Equal(before, state["state.0.exp_avg"].ToArray());
        Assert.NotEqual(before, adam.StateDict()["state.0.exp_avg"].ToArray());
    }

    [Fact]
    public void LoadStateDict_WrongShapeOrGrouping_ThrowsAndChangesNothing()
    {
        Parameter[] parameters = NewParameters();
        var adam = new Adam(Groups(parameters), lr: 0.01);
        var state = adam.StateDict();
        state["state.0.exp_avg"] = Tensor.Zeros(3, 2);
        state["param_groups.0.lr"] = Tensor.FromArray(new[] { 5.0 }, 1);
        Assert.Throws<ArgumentException>(() => adam.LoadStateDict(state));
        Assert.Equal(0.01, adam.ParamGroups[0].LearningRate);

        var single = new Adam(parameters, lr: 0.01).StateDict();
        Assert.Throws<ArgumentException>(() => adam.LoadStateDict(single));
    }

    [Fact]
    public void TinyMlp_AdamWithOneCycle_ResumedFromStateDictsIsBitIdentical()
    {
        const int first = 6, second = 8;
        Tensor x = Compiled.ModelHarness.RandomInput(16, 13, 1);
        Tensor y = Compiled.ModelHarness.RandomLabels(16, 5, 2);

        var model = new TinyMlp();
        model.Initialize(11);
        var adam = new Adam(ParamGroups.NoDecayOnBiasAndNorm(model, 0.01), lr: 1e-3, amsgrad: true);
        var schedule = new OneCycleLR(adam, maxLr: 0.05, totalSteps: first + second);
        void Train(TinyMlp m, IOptimizer o, ILRScheduler s)
        {
            o.ZeroGrad();
            m.Loss(m.Forward(x), y).Backward();
            o.Step();
            s.Step();
        }
        for (int t = 0; t < first; t++) Train(model, adam, schedule);
        var optimizerState = adam.StateDict();
        var scheduleState = schedule.StateDict();
        float[][] weights = [.. model.Parameters().Select(p => p.Value.ToArray())];
        for (int t = 0; t < second; t++) Train(model, adam, schedule);

        var resumed = new TinyMlp();
        resumed.Initialize(99); // different weights, overwritten below
        var parameters = resumed.Parameters();
        for (int i = 0; i < parameters.Count; i++) weights[i].CopyTo(parameters[i].Value.AsSpan());
        var resumedAdam = new Adam(ParamGroups.NoDecayOnBiasAndNorm(resumed, 0.01), lr: 1e-3, amsgrad: true);
        var resumedSchedule = new OneCycleLR(resumedAdam, maxLr: 0.05, totalSteps: first + second);
        resumedAdam.LoadStateDict(optimizerState);
        resumedSchedule.LoadStateDict(scheduleState);
        for (int t = 0; t < second; t++) Train(resumed, resumedAdam, resumedSchedule);

        for (int i = 0; i < parameters.Count; i++) Assert.Equal(model.Parameters()[i].Value.ToArray(), parameters[i].Value.ToArray());
        Assert.Equal(schedule.LastLearningRate, resumedSchedule.LastLearningRate);
        Assert.NotEqual(weights[0], parameters[0].Value.ToArray());
    }
}
