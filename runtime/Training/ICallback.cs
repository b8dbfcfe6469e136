namespace ModelGen.Training;

/// <summary>
/// Hooks into <see cref="Trainer.Fit"/>, as Keras callbacks and PyTorch Lightning's <c>Callback</c> do. Every method
/// has an empty default, so a callback implements only the events it needs. Epochs are numbered from 1.
/// </summary>
/// <remarks>
/// Events arrive in this order: <see cref="OnTrainStart"/>; per epoch <see cref="OnEpochStart"/>, then
/// <see cref="OnBatchEnd"/> once per batch, then <see cref="OnEpochEnd"/> (after evaluation, with the epoch's
/// metrics); finally <see cref="OnTrainEnd"/>, also when a callback stopped training early. A callback stops
/// training by calling <see cref="Trainer.RequestStop"/>; the current epoch still finishes.
/// </remarks>
public interface ICallback
{
    /// <summary>Called once before the first epoch.</summary>
    void OnTrainStart(Trainer trainer, TrainingPlan plan) { }

    /// <summary>Called before the first batch of epoch <paramref name="epoch"/>.</summary>
    void OnEpochStart(Trainer trainer, int epoch) { }

    /// <summary>Called after each training step, with that step's loss.</summary>
    void OnBatchEnd(Trainer trainer, BatchResult batch) { }

    /// <summary>Called after an epoch's evaluation, with the epoch's record (already in the history).</summary>
    void OnEpochEnd(Trainer trainer, EpochRecord record) { }

    /// <summary>
    /// Called once when training ends: normally, because a callback asked to stop, or because the step, a transform,
    /// the evaluation or a callback threw (then <see cref="TrainingHistory.StopReason"/> names the error, which
    /// <see cref="Trainer.Fit"/> rethrows afterwards).
    /// </summary>
    void OnTrainEnd(Trainer trainer, TrainingHistory history) { }
}

/// <summary>What a <see cref="Trainer.Fit"/> call will do: known before the first batch, for progress displays.</summary>
/// <param name="Epochs">The number of epochs requested (fewer run when a callback stops training).</param>
/// <param name="BatchesPerEpoch">Batches in each epoch.</param>
/// <param name="BatchSize">The size of every batch but possibly the last.</param>
public readonly record struct TrainingPlan(int Epochs, int BatchesPerEpoch, int BatchSize);

/// <summary>One training step as seen by <see cref="ICallback.OnBatchEnd"/>.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Batch">The batch within the epoch, from 0.</param>
/// <param name="Loss">The loss the step returned.</param>
/// <param name="Samples">The number of samples in the batch.</param>
/// <param name="LearningRate">The learning rate the step used (NaN when the trainer has no optimizer).</param>
public readonly record struct BatchResult(int Epoch, int Batch, double Loss, int Samples, double LearningRate);
