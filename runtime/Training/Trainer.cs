using System.Diagnostics;
using ModelGen.Data;
using ModelGen.Data.Transforms;
using ModelGen.Optim;

namespace ModelGen.Training;

/// <summary>When a <see cref="Trainer"/> steps its learning-rate schedule.</summary>
public enum SchedulerInterval
{
    /// <summary>After every training step (OneCycleLR, warm-up, cosine over steps): torch's usual per-iteration call.</summary>
    Batch,

    /// <summary>After every epoch (StepLR, MultiStepLR over epochs).</summary>
    Epoch,
}

/// <summary>
/// The epoch loop of Keras's <c>fit</c> built from public pieces: it draws the batches of a
/// <see cref="DataLoader"/> epoch by epoch, applies batch transforms, calls a caller-supplied training step, steps
/// the learning-rate schedule, evaluates after each epoch, records a <see cref="TrainingHistory"/> and tells its
/// <see cref="ICallback"/>s (early stopping, checkpoints, progress). It draws no pixels itself, so it runs the
/// same in a test, a console and a notebook. A hand-written loop over the same pieces remains possible.
/// </summary>
/// <remarks>
/// <para>
/// Reproducibility: the loader's order of epoch <c>e</c> depends only on its seed and <c>e</c>, and every
/// transform draws from its own seeded generator in batch order, so two runs built alike are identical step for
/// step (given a deterministic training step).
/// </para>
/// <example>
/// <code>
/// var trainer = new Trainer(loader, (x, y) => compiled.TrainStep(x, y, optimizer))
/// {
///     Optimizer = optimizer,
///     Scheduler = new CosineAnnealingLR(optimizer, totalSteps: epochs * loader.BatchesPerEpoch),
///     Evaluate = epoch => new Dictionary&lt;string, double&gt; { ["val_accuracy"] = Accuracy(compiled, eval) },
///     Callbacks = [new ProgressReporter(), new EarlyStopping("val_accuracy", "max", patience: 3)],
/// };
/// TrainingHistory history = trainer.Fit(epochs);
/// </code>
/// </example>
/// </remarks>
public sealed class Trainer
{
    private readonly DataLoader _loader;
    private readonly Func<Tensor, Tensor, float> _trainStep;
    private string? _stopReason;

    /// <summary>
    /// A trainer over <paramref name="loader"/>'s batches. <paramref name="trainStep"/> receives the (transformed)
    /// features and labels of a batch, performs one optimisation step, and returns the batch's loss; wrap a
    /// compiled model's <c>TrainStep</c> or an eager forward, <c>Backward</c> and <c>optimizer.Step()</c>.
    /// </summary>
    public Trainer(DataLoader loader, Func<Tensor, Tensor, float> trainStep)
    {
        ArgumentNullException.ThrowIfNull(loader);
        ArgumentNullException.ThrowIfNull(trainStep);
        _loader = loader;
        _trainStep = trainStep;
    }

    /// <summary>The optimizer whose learning rate is recorded; optional (the rate is NaN without one).</summary>
    public IOptimizer? Optimizer { get; init; }

    /// <summary>A schedule to step at every <see cref="SchedulerInterval"/>; optional.</summary>
    public ILRScheduler? Scheduler { get; init; }

    /// <summary>When <see cref="Scheduler"/> is stepped; per batch by default.</summary>
    public SchedulerInterval SchedulerInterval { get; init; } = SchedulerInterval.Batch;

    /// <summary>
    /// Called after each epoch's training with the epoch number (from 1); returns metrics by name (Keras's
    /// <c>val_loss</c>, <c>val_accuracy</c>, ...) for the history and the callbacks. Optional.
    /// </summary>
    public Func<int, IReadOnlyDictionary<string, double>>? Evaluate { get; init; }

    /// <summary>Applied in order, in place, to every training batch before the step.</summary>
    public IReadOnlyList<IBatchTransform> Transforms { get; init; } = [];

    /// <summary>Told of every event, in list order.</summary>
    public IReadOnlyList<ICallback> Callbacks { get; init; } = [];

    /// <summary>The epoch <see cref="Fit"/> is in (from 1), or 0 before it starts.</summary>
    public int CurrentEpoch { get; private set; }

    /// <summary>
    /// Asks <see cref="Fit"/> to stop after the current epoch (Keras's <c>model.stop_training = True</c>);
    /// <paramref name="reason"/> lands in <see cref="TrainingHistory.StopReason"/>.
    /// </summary>
    public void RequestStop(string reason) => _stopReason ??= reason;

    /// <summary>
    /// Trains for up to <paramref name="epochs"/> epochs (numbered 1 … epochs, which is also the epoch number
    /// given to the loader, so its shuffling follows its seed) and returns the history.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> is negative.</exception>
    public TrainingHistory Fit(int epochs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        var history = new TrainingHistory();
        _stopReason = null;
        var plan = new TrainingPlan(epochs, _loader.BatchesPerEpoch, _loader.BatchSize);
        foreach (var callback in Callbacks) callback.OnTrainStart(this, plan);
        try
        {
            for (int epoch = 1; epoch <= epochs && _stopReason is null; epoch++)
            {
                CurrentEpoch = epoch;
                history.AddEpoch(RunEpoch(epoch, history));
                foreach (var callback in Callbacks) callback.OnEpochEnd(this, history.Epochs[^1]);
            }
        }
        catch (Exception error)
        {
            // The callbacks still hear the end (a live display must give the terminal back) before the error propagates.
            RequestStop($"failed in epoch {CurrentEpoch}: {error.GetType().Name}: {error.Message}");
            history.StoppedEarly = true;
            history.StopReason = _stopReason;
            foreach (var callback in Callbacks) callback.OnTrainEnd(this, history);
            throw;
        }
        history.StoppedEarly = _stopReason is not null && history.Epochs.Count < epochs;
        history.StopReason = _stopReason;
        foreach (var callback in Callbacks) callback.OnTrainEnd(this, history);
        return history;
    }

    private EpochRecord RunEpoch(int epoch, TrainingHistory history)
    {
        foreach (var callback in Callbacks) callback.OnEpochStart(this, epoch);
        var watch = Stopwatch.StartNew();
        double epochLearningRate = LearningRate();
        double lossSum = 0;
        int samples = 0, batch = 0;
        foreach (var (features, labels) in _loader.Epoch(epoch))
        {
            foreach (var transform in Transforms) transform.Apply(features, labels);
            double learningRate = LearningRate();
            float loss = _trainStep(features, labels);
            int n = labels.Length;
            lossSum += (double)loss * n;
            samples += n;
            history.AddStep(loss, learningRate);
            if (SchedulerInterval == SchedulerInterval.Batch) Scheduler?.Step();
            var result = new BatchResult(epoch, batch++, loss, n, learningRate);
            foreach (var callback in Callbacks) callback.OnBatchEnd(this, result);
        }
        if (SchedulerInterval == SchedulerInterval.Epoch) Scheduler?.Step();
        IReadOnlyDictionary<string, double> metrics = Evaluate?.Invoke(epoch) ?? new Dictionary<string, double>();
        // A copy, so that a caller reusing one dictionary across epochs does not rewrite the history.
        var copied = new Dictionary<string, double>(metrics);
        return new EpochRecord(epoch, samples == 0 ? double.NaN : lossSum / samples, copied, epochLearningRate, watch.Elapsed, samples);
    }

    private double LearningRate() => Optimizer is null ? double.NaN : Optimizer.ParamGroups[0].LearningRate;
}
