namespace ModelGen.Training;

/// <summary>
/// Stops training when a monitored metric has stopped improving, as Keras's <c>EarlyStopping</c>: after each
/// epoch the value improves if it beats the best so far by more than <see cref="MinDelta"/> (below it in "min"
/// mode, above it in "max"); after <see cref="Patience"/> epochs in a row without improvement, training stops.
/// </summary>
public sealed class EarlyStopping : ICallback
{
    private readonly MonitoredValue _monitored;

    /// <summary>Watches <paramref name="monitor"/> (<c>"loss"</c> or an evaluation metric such as <c>"val_loss"</c>).</summary>
    /// <param name="monitor">The metric's name.</param>
    /// <param name="mode">"min" when lower is better, "max" when higher is.</param>
    /// <param name="patience">Epochs without improvement tolerated before stopping.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement.</param>
    public EarlyStopping(string monitor = "val_loss", string mode = "min", int patience = 5, double minDelta = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        _monitored = new MonitoredValue(monitor, mode, minDelta);
        Patience = patience;
        MinDelta = minDelta;
    }

    /// <summary>Epochs without improvement tolerated before stopping.</summary>
    public int Patience { get; }

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }

    /// <summary>The best value seen (±∞ before the first epoch).</summary>
    public double Best => _monitored.Best;

    /// <summary>The epoch of the best value, 0 before the first epoch.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Epochs since the last improvement (Keras's <c>wait</c>).</summary>
    public int Wait { get; private set; }

    /// <summary>The epoch after which training was stopped, or 0.</summary>
    public int StoppedEpoch { get; private set; }

    /// <inheritdoc/>
    public void OnTrainStart(Trainer trainer, TrainingPlan plan)
    {
        Wait = 0;
        StoppedEpoch = 0;
    }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochRecord record)
    {
        if (_monitored.Update(record))
        {
            BestEpoch = record.Epoch;
            Wait = 0;
            return;
        }
        Wait++;
        if (Wait >= Patience)
        {
            StoppedEpoch = record.Epoch;
            trainer.RequestStop($"early stopping: {_monitored.Monitor} has not improved for {Wait} epochs (best {Best:G6} at epoch {BestEpoch})");
        }
    }
}
