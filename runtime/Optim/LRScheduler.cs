using System.Globalization;

namespace ModelGen.Optim;

/// <summary>
/// A schedule given by a closed form η(g, t) of the group and the step count t (torch's <c>last_epoch</c>), as
/// torch's <c>_get_closed_form_lr</c>. Construction records each group's <see cref="OptimizerGroup.InitialLearningRate"/>
/// (if no schedule did before) as its base rate and applies t = 0, as torch's <c>_initial_step</c> does;
/// each <see cref="Step"/> increments t and applies η. Allocates nothing per step.
/// </summary>
public abstract class LRScheduler : ILRScheduler
{
    private readonly double[] _lastRates;

    /// <summary>Records the base rates; the subclass's constructor must end with <see cref="Start"/>.</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    private protected LRScheduler(IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        var groups = optimizer.ParamGroups;
        BaseLearningRates = new double[groups.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            groups[g].InitialLearningRate ??= groups[g].LearningRate;
            BaseLearningRates[g] = groups[g].InitialLearningRate!.Value;
        }
        _lastRates = new double[groups.Count];
    }

    /// <summary>The optimizer whose learning rates this schedule sets.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>torch's <c>base_lrs</c>: each group's initial learning rate, from which the schedule scales.</summary>
    private protected double[] BaseLearningRates { get; }

    /// <summary>torch's <c>last_epoch</c>: how many times <see cref="Step"/> was called since construction.</summary>
    public int LastEpoch { get; private set; }

    /// <inheritdoc/>
    public double LastLearningRate => _lastRates[0];

    /// <inheritdoc/>
    public IReadOnlyList<double> LastLearningRates => _lastRates;

    /// <summary>The learning rate of group <paramref name="group"/> at step <paramref name="epoch"/>.</summary>
    private protected abstract double LearningRateAt(int group, double baseLearningRate, int epoch);

    /// <summary>
    /// Moves any counters of a stateful schedule to <paramref name="epoch"/> before <see cref="LearningRateAt"/> runs:
    /// by one step (<paramref name="jumped"/> false) or to an arbitrary step, as torch's <c>step(epoch)</c>.
    /// </summary>
    private protected virtual void Advance(int epoch, bool jumped)
    {
    }

    /// <summary>Applies step 0 (torch's initial step); the last line of a subclass's constructor.</summary>
    private protected void Start() => JumpTo(0);

    /// <inheritdoc/>
    public void Step()
    {
        LastEpoch++;
        Advance(LastEpoch, jumped: false);
        Apply();
    }

    /// <summary>Sets the step count to <paramref name="epoch"/> and applies its rates (torch's <c>step(epoch)</c>, which <see cref="SequentialLR"/> uses).</summary>
    internal void JumpTo(int epoch)
    {
        LastEpoch = epoch;
        Advance(epoch, jumped: true);
        Apply();
    }

    private void Apply()
    {
        var groups = Optimizer.ParamGroups;
        for (int g = 0; g < _lastRates.Length; g++)
        {
            double rate = LearningRateAt(g, BaseLearningRates[g], LastEpoch);
            groups[g].LearningRate = rate;
            _lastRates[g] = rate;
        }
    }

    /// <inheritdoc/>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["last_epoch"] = StateTensors.Scalar(LastEpoch) };
        for (int g = 0; g < _lastRates.Length; g++)
        {
            state[Key("base_lrs", g)] = StateTensors.Scalar(BaseLearningRates[g]);
            state[Key("last_lr", g)] = StateTensors.Scalar(_lastRates[g]);
        }
        SaveCounters(state);
        return state;
    }

    /// <inheritdoc/>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        LastEpoch = (int)StateTensors.RequireScalar(state, "last_epoch");
        for (int g = 0; g < _lastRates.Length; g++)
        {
            BaseLearningRates[g] = StateTensors.RequireScalar(state, Key("base_lrs", g));
            _lastRates[g] = StateTensors.RequireScalar(state, Key("last_lr", g));
        }
        LoadCounters(state);
    }

    /// <summary>Adds a stateful schedule's own counters to its state dict.</summary>
    private protected virtual void SaveCounters(Dictionary<string, Tensor> state)
    {
    }

    /// <summary>Reads back what <see cref="SaveCounters"/> wrote.</summary>
    private protected virtual void LoadCounters(IReadOnlyDictionary<string, Tensor> state)
    {
    }

    private static string Key(string name, int group) => string.Create(CultureInfo.InvariantCulture, $"{name}.{group}");
}
