using System.Globalization;

namespace ModelGen.Optim;

/// <summary>
/// Runs schedules one after another, as <c>torch.optim.lr_scheduler.SequentialLR</c>: schedule k is in charge from
/// milestone k−1 on (schedule 0 from the start). At its milestone a schedule restarts at its own step 0; between
/// milestones it steps as usual. Construction resets each group to its initial learning rate and applies step 0 of
/// the first schedule. The schedules must drive the same optimizer; typical use is a <see cref="LinearLR"/> warm-up
/// followed by a <see cref="CosineAnnealingLR"/>.
/// </summary>
public sealed class SequentialLR : ILRScheduler
{
    private readonly LRScheduler[] _schedulers;
    private readonly int[] _milestones;
    private double[] _lastRates;

    /// <summary>Chains <paramref name="schedulers"/>, switching at <paramref name="milestones"/> (one fewer than schedules, increasing).</summary>
    /// <param name="optimizer">The optimizer every schedule drives.</param>
    /// <param name="schedulers">The schedules, in order.</param>
    /// <param name="milestones">The steps at which the next schedule takes over.</param>
    /// <exception cref="ArgumentException">The counts disagree, the milestones do not increase, or a schedule drives another optimizer.</exception>
    public SequentialLR(IOptimizer optimizer, IEnumerable<LRScheduler> schedulers, IEnumerable<int> milestones)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        _schedulers = [.. schedulers];
        _milestones = [.. milestones];
        if (_schedulers.Length == 0) throw new ArgumentException("SequentialLR expects at least one scheduler", nameof(schedulers));
        if (_milestones.Length != _schedulers.Length - 1)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers {_schedulers.Length} and the number of milestones to be equal to {_milestones.Length}"), nameof(milestones));
        }
        for (int i = 1; i < _milestones.Length; i++)
        {
            if (_milestones[i] <= _milestones[i - 1]) throw new ArgumentException("The milestones must increase.", nameof(milestones));
        }
        foreach (var scheduler in _schedulers)
        {
            if (!ReferenceEquals(scheduler.Optimizer, optimizer))
            {
                throw new ArgumentException("Sequential Schedulers expects all schedulers to belong to the same optimizer", nameof(schedulers));
            }
        }
        Optimizer = optimizer;
        foreach (var group in optimizer.ParamGroups) group.LearningRate = group.InitialLearningRate ?? group.LearningRate;
        _schedulers[0].JumpTo(0);
        _lastRates = [.. _schedulers[0].LastLearningRates];
    }

    /// <summary>The optimizer every schedule drives.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>torch's <c>last_epoch</c>: steps taken since construction.</summary>
    public int LastEpoch { get; private set; }

    /// <inheritdoc/>
    public double LastLearningRate => _lastRates[0];

    /// <inheritdoc/>
    public IReadOnlyList<double> LastLearningRates => _lastRates;

    /// <inheritdoc/>
    public void Step()
    {
        LastEpoch++;
        int index = MultiStepLR.MilestonesReached(_milestones, LastEpoch);
        var scheduler = _schedulers[index];
        if (index > 0 && _milestones[index - 1] == LastEpoch) scheduler.JumpTo(0);
        else scheduler.Step();
        var rates = scheduler.LastLearningRates;
        for (int g = 0; g < _lastRates.Length; g++) _lastRates[g] = rates[g];
    }

    /// <inheritdoc/>
    /// <remarks>Holds <c>last_epoch</c>, <c>last_lr.&lt;g&gt;</c> and each schedule's entries under <c>_schedulers.&lt;k&gt;.</c>.</remarks>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["last_epoch"] = StateTensors.Scalar(LastEpoch) };
        for (int g = 0; g < _lastRates.Length; g++) state[Key("last_lr", g)] = StateTensors.Scalar(_lastRates[g]);
        for (int k = 0; k < _schedulers.Length; k++)
        {
            foreach (var (key, value) in _schedulers[k].StateDict()) state[$"{Key("_schedulers", k)}.{key}"] = value;
        }
        return state;
    }

    /// <inheritdoc/>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        LastEpoch = (int)StateTensors.RequireScalar(state, "last_epoch");
        var rates = new double[_lastRates.Length];
        for (int g = 0; g < rates.Length; g++) rates[g] = StateTensors.RequireScalar(state, Key("last_lr", g));
        for (int k = 0; k < _schedulers.Length; k++)
        {
            string prefix = Key("_schedulers", k) + ".";
            var own = state.Where(entry => entry.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(entry => entry.Key[prefix.Length..], entry => entry.Value, StringComparer.Ordinal);
            _schedulers[k].LoadStateDict(own);
        }
        _lastRates = rates;
    }

    private static string Key(string name, int index) => string.Create(CultureInfo.InvariantCulture, $"{name}.{index}");
}
