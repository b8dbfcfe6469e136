using System.Globalization;

namespace ModelGen.Training;

/// <summary>One epoch of a <see cref="Trainer.Fit"/> run.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainLoss">The mean training loss of the epoch, weighted by batch size (the mean over samples).</param>
/// <param name="Metrics">What the evaluation delegate returned for this epoch (empty without one), by name.</param>
/// <param name="LearningRate">The learning rate of the epoch's first step (NaN when the trainer has no optimizer).</param>
/// <param name="Duration">Wall time of the epoch: training steps, transforms and evaluation.</param>
/// <param name="Samples">Training samples seen in the epoch.</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, IReadOnlyDictionary<string, double> Metrics, double LearningRate,
    TimeSpan Duration, int Samples)
{
    /// <summary>
    /// The value of <paramref name="name"/>: <c>"loss"</c> is the training loss, <c>"lr"</c> the learning rate, any
    /// other name a metric of the evaluation.
    /// </summary>
    /// <exception cref="KeyNotFoundException">The epoch has no such metric; the message lists the ones it has.</exception>
    public double Get(string name)
    {
        if (name == "loss") return TrainLoss;
        if (name == "lr") return LearningRate;
        if (Metrics.TryGetValue(name, out double value)) return value;
        throw new KeyNotFoundException(
            $"Epoch {Epoch} has no metric '{name}'; it has loss, lr{string.Concat(Metrics.Keys.Select(k => ", " + k))}.");
    }

    /// <summary>One line of <c>key=value</c> pairs (invariant culture): epoch, loss, the metrics, lr and time.</summary>
    public override string ToString()
    {
        var line = new System.Text.StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"epoch={Epoch} loss={TrainLoss:G6}");
        foreach (var (name, value) in Metrics) line.Append(CultureInfo.InvariantCulture, $" {name}={value:G6}");
        line.Append(CultureInfo.InvariantCulture, $" lr={LearningRate:G6} time={Duration.TotalSeconds:F3}s");
        return line.ToString();
    }
}

/// <summary>
/// What <see cref="Trainer.Fit"/> returns, as Keras's <c>History</c>: one <see cref="EpochRecord"/> per epoch run,
/// and the loss and learning rate of every step.
/// </summary>
public sealed class TrainingHistory
{
    private readonly List<EpochRecord> _epochs = [];
    private readonly List<double> _stepLosses = [];
    private readonly List<double> _stepLearningRates = [];

    /// <summary>The epochs run, in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs => _epochs;

    /// <summary>The loss of every training step, in order.</summary>
    public IReadOnlyList<double> StepLosses => _stepLosses;

    /// <summary>The learning rate of every training step, in order (NaN without an optimizer).</summary>
    public IReadOnlyList<double> StepLearningRates => _stepLearningRates;

    /// <summary>Whether a callback stopped training before the requested number of epochs.</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>Why training stopped early (the callback's words), or null.</summary>
    public string? StopReason { get; internal set; }

    /// <summary>
    /// The per-epoch values of <paramref name="name"/> (<c>"loss"</c>, <c>"lr"</c> or an evaluation metric; see
    /// <see cref="EpochRecord.Get"/>), NaN in epochs that lack it.
    /// </summary>
    public double[] Series(string name) =>
        _epochs.Select(e => name is "loss" or "lr" || e.Metrics.ContainsKey(name) ? e.Get(name) : double.NaN).ToArray();

    /// <summary>
    /// The epoch with the best value of <paramref name="monitor"/>: the lowest when <paramref name="mode"/> is
    /// "min", the highest when "max"; the earliest on ties. Null when no epoch has the metric.
    /// </summary>
    public EpochRecord? Best(string monitor, string mode = "min")
    {
        bool max = MonitoredValue.ParseMode(mode);
        EpochRecord? best = null;
        foreach (var record in _epochs)
        {
            if (!(monitor is "loss" or "lr" || record.Metrics.ContainsKey(monitor))) continue;
            double value = record.Get(monitor);
            if (double.IsNaN(value)) continue;
            if (best is null || (max ? value > best.Get(monitor) : value < best.Get(monitor))) best = record;
        }
        return best;
    }

    internal void AddStep(double loss, double learningRate)
    {
        _stepLosses.Add(loss);
        _stepLearningRates.Add(learningRate);
    }

    internal void AddEpoch(EpochRecord record) => _epochs.Add(record);
}
