using ModelGen.Optim;

namespace ModelGen.Training;

/// <summary>
/// Steps a <see cref="ReduceLROnPlateau"/> with a monitored metric after every epoch (Keras's
/// <c>ReduceLROnPlateau</c> callback, torch's <c>scheduler.step(val_loss)</c> at the end of an epoch). The scheduler
/// keeps its own mode, patience and threshold.
/// </summary>
public sealed class PlateauSchedulerCallback : ICallback
{
    /// <summary>Steps <paramref name="scheduler"/> with <paramref name="monitor"/> (<c>"loss"</c> or an evaluation metric).</summary>
    public PlateauSchedulerCallback(ReduceLROnPlateau scheduler, string monitor = "val_loss")
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        Scheduler = scheduler;
        Monitor = monitor;
    }

    /// <summary>The scheduler stepped.</summary>
    public ReduceLROnPlateau Scheduler { get; }

    /// <summary>The metric it is stepped with.</summary>
    public string Monitor { get; }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochRecord record) => Scheduler.Step(record.Get(Monitor));
}
