using ModelGen.Data;
using ModelGen.Data.Transforms;
using ModelGen.Optim;
using ModelGen.Tests.Data;
using ModelGen.Training;
using Samples.Mnist;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>
/// The trainer's loop and its callbacks: early stopping and checkpoints against hand-counted metric sequences, the
/// history against what the step returned, schedules stepped per batch or per epoch, and seeded reproducibility.
/// </summary>
public class TrainerTests
{
    /// <summary>10 samples of 2 features: sample i is (i, −i) with label i mod 2.</summary>
    internal static Dataset Tiny(int count = 10)
    {
        var features = new float[count * 2];
        var labels = new int[count];
        for (int i = 0; i < count; i++) (features[2 * i], features[2 * i + 1], labels[i]) = (i, -i, i % 2);
        return new Dataset(features, labels, 2, 2, "tiny");
    }

    /// <summary>A trainer whose step returns the batch's mean first feature and whose metric follows <paramref name="metric"/>.</summary>
    private static Trainer SequenceTrainer(double[] metric, params ICallback[] callbacks) =>
        new(new DataLoader(Tiny(), 5, shuffle: false), (x, y) => x.AsSpan()[0])
        {
            Evaluate = epoch => new Dictionary<string, double> { ["val_loss"] = metric[epoch - 1] },
            Callbacks = callbacks,
        };

    [Fact]
    public void EarlyStopping_NoImprovementForPatienceEpochs_StopsThere()
    {
        // Best 0.8 at epoch 2; epochs 3 (0.85), 4 (0.80: equal is no improvement) and 5 (0.9) do not improve: with
        // patience 3 training stops after epoch 5, although epoch 6 would have improved.
        double[] metric = [1.0, 0.8, 0.85, 0.80, 0.9, 0.1, 0.1, 0.1];
        var stopping = new EarlyStopping("val_loss", "min", patience: 3);
        var history = SequenceTrainer(metric, stopping).Fit(epochs: 8);

        Assert.Equal(5, history.Epochs.Count);
        Assert.True(history.StoppedEarly);
        Assert.Contains("val_loss", history.StopReason);
        Assert.Equal(5, stopping.StoppedEpoch);
        Assert.Equal(2, stopping.BestEpoch);
        Assert.Equal(0.8, stopping.Best);
    }

    [Fact]
    public void EarlyStopping_MinDeltaAndMaxMode_CountSmallGainsAsNoImprovement()
    {
        // max mode, minDelta 0.05: 0.50 → 0.53 (+0.03) and 0.54 are not improvements; 0.60 is; then two flat epochs.
        double[] metric = [0.50, 0.53, 0.60, 0.62, 0.64, 0.7];
        var stopping = new EarlyStopping("val_loss", "max", patience: 2, minDelta: 0.05);
        var history = SequenceTrainer(metric, stopping).Fit(epochs: 6);
        Assert.Equal(5, history.Epochs.Count);
        Assert.Equal(3, stopping.BestEpoch);

        var patient = new EarlyStopping("val_loss", "max", patience: 3, minDelta: 0.05);
        var full = SequenceTrainer(metric, patient).Fit(epochs: 6);
        Assert.Equal(6, full.Epochs.Count);
        Assert.False(full.StoppedEarly);
        Assert.Equal(6, patient.BestEpoch);
    }

    [Fact]
    public void EarlyStopping_UnknownMonitor_ThrowsNamingTheMetrics()
    {
        var stopping = new EarlyStopping("val_acc", "max", patience: 1);
        var error = Assert.Throws<KeyNotFoundException>(() => SequenceTrainer([1, 2], stopping).Fit(2));
        Assert.Contains("val_loss", error.Message);
        Assert.Throws<ArgumentException>(() => new EarlyStopping("val_loss", "auto"));
    }

    [Fact]
    public void ModelCheckpoint_SavesOnlyOnImprovement_TheWeightsOfThatEpoch()
    {
        using var folder = new TemporaryFolder();
        var model = new MnistMlp();
        model.Initialize(1);
        Tensor bias = model.Parameters().Single(p => p.Name == "head.bias").Value;
        double[] metric = [0.5, 0.7, 0.6, 0.9, 0.9, 0.8];
        var checkpoint = new ModelCheckpoint(model, folder.Combine("best.safetensors"), "val_accuracy", "max");
        var everyEpoch = new ModelCheckpoint(model, folder.Combine("epoch-{epoch}.safetensors"), "val_accuracy", "max", saveBestOnly: false);
        // Each epoch writes its number into a weight, so a file tells which epoch it was saved after.
        var trainer = new Trainer(new DataLoader(Tiny(), 5, shuffle: false), (x, y) => 0f)
        {
            Evaluate = epoch =>
            {
                bias.AsSpan()[0] = epoch;
                return new Dictionary<string, double> { ["val_accuracy"] = metric[epoch - 1] };
            },
            Callbacks = [checkpoint, everyEpoch],
        };
        trainer.Fit(epochs: 6);

        Assert.Equal([1, 2, 4], checkpoint.SavedEpochs);
        Assert.Equal([1, 2, 3, 4, 5, 6], everyEpoch.SavedEpochs);
        Assert.True(File.Exists(folder.Combine("epoch-6.safetensors")));
        var reloaded = new MnistMlp();
        reloaded.Load(folder.Combine("best.safetensors"));
        Assert.Equal(4f, reloaded.Parameters().Single(p => p.Name == "head.bias").Value.AsSpan()[0]);
    }

    [Fact]
    public void History_RecordsSampleWeightedLossMetricsAndStepRates()
    {
        // 10 samples in batches of 4, 4, 2; the step's loss is the batch's first feature (a sample index).
        var optimizer = new Sgd([new Parameter("w", Tensor.Zeros(1))], lr: 0.1);
        var losses = new List<float>();
        var trainer = new Trainer(new DataLoader(Tiny(), 4, shuffle: true, seed: 7), (x, y) =>
        {
            losses.Add(x.AsSpan()[0]);
            return x.AsSpan()[0];
        })
        {
            Optimizer = optimizer,
            Scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.5),
            SchedulerInterval = SchedulerInterval.Epoch,
            Evaluate = epoch => new Dictionary<string, double> { ["val_accuracy"] = epoch / 10.0 },
        };
        var history = trainer.Fit(epochs: 3);

        Assert.Equal(3, history.Epochs.Count);
        Assert.Equal(losses.Select(l => (double)l), history.StepLosses);
        for (int e = 0; e < 3; e++)
        {
            var record = history.Epochs[e];
            double expected = (4 * losses[3 * e] + 4 * losses[3 * e + 1] + 2 * losses[3 * e + 2]) / 10.0;
            Assert.Equal(expected, record.TrainLoss, 12);
            Assert.Equal(e + 1, record.Epoch);
            Assert.Equal(10, record.Samples);
            Assert.Equal((e + 1) / 10.0, record.Get("val_accuracy"));
            Assert.Equal(0.1 * Math.Pow(0.5, e), record.LearningRate, 12);
        }
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025], history.StepLearningRates.Select(r => Math.Round(r, 12)));
        Assert.Equal(3, history.Best("val_accuracy", "max")!.Epoch);
        Assert.Equal([0.1, 0.2, 0.3], history.Series("val_accuracy"));
        Assert.False(history.StoppedEarly);
    }

    [Fact]
    public void Scheduler_PerBatch_StepsAfterEveryStep()
    {
        var optimizer = new Sgd([new Parameter("w", Tensor.Zeros(1))], lr: 1.0);
        var history = new Trainer(new DataLoader(Tiny(), 4, shuffle: false), (x, y) => 0f)
        {
            Optimizer = optimizer,
            Scheduler = new StepLR(optimizer, stepSize: 1, gamma: 0.5),
        }.Fit(epochs: 2);
        Assert.Equal([1, 0.5, 0.25, 0.125, 0.0625, 0.03125], history.StepLearningRates);
        Assert.Equal([1, 0.125], history.Series("lr"));
    }

    [Fact]
    public void PlateauScheduler_ReducesTheRateAfterPatienceFlatEpochs()
    {
        // patience 1: the second epoch without improvement (epoch 3) halves the rate, which epoch 4 then uses.
        double[] metric = [1.0, 1.0, 1.0, 1.0, 1.0];
        var optimizer = new Sgd([new Parameter("w", Tensor.Zeros(1))], lr: 0.8);
        var plateau = new PlateauSchedulerCallback(new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 1));
        var history = new Trainer(new DataLoader(Tiny(), 5, shuffle: false), (x, y) => 0f)
        {
            Optimizer = optimizer,
            Evaluate = epoch => new Dictionary<string, double> { ["val_loss"] = metric[epoch - 1] },
            Callbacks = [plateau],
        }.Fit(epochs: 5);
        Assert.Equal([0.8, 0.8, 0.8, 0.4, 0.4], history.Series("lr").Select(r => Math.Round(r, 12)));
    }

    [Fact]
    public void Callbacks_ReceiveEventsInOrder()
    {
        var log = new List<string>();
        var recorder = new RecordingCallback(log);
        new Trainer(new DataLoader(Tiny(), 6, shuffle: false), (x, y) => 1f) { Callbacks = [recorder] }.Fit(epochs: 2);
        Assert.Equal(["start 2x2", "epoch 1", "batch 1.0 n=6", "batch 1.1 n=4", "end 1", "epoch 2", "batch 2.0 n=6", "batch 2.1 n=4", "end 2", "done 2"], log);
    }

    [Fact]
    public void Fit_StepThrows_CallbacksHearTheEndThenTheErrorPropagates()
    {
        var log = new List<string>();
        int steps = 0;
        var trainer = new Trainer(new DataLoader(Tiny(), 4, shuffle: false), (x, y) => ++steps == 5 ? throw new InvalidOperationException("boom") : 1f)
        {
            Callbacks = [new RecordingCallback(log)],
        };
        var error = Assert.Throws<InvalidOperationException>(() => trainer.Fit(epochs: 3));
        Assert.Equal("boom", error.Message);
        Assert.Equal(["start 3x3", "epoch 1", "batch 1.0 n=4", "batch 1.1 n=4", "batch 1.2 n=2", "end 1", "epoch 2", "batch 2.0 n=4", "done 1"], log);
    }

    [Fact]
    public void Fit_CompiledMnistMlpSameSeeds_IdenticalRunsThatLearn()
    {
        Dataset train = SyntheticDigits.Generate(512, seed: 5), eval = SyntheticDigits.Generate(256, seed: 6);
        TrainingHistory Run()
        {
            var model = new MnistMlp();
            model.Initialize(3);
            using var compiled = model.Compile(new CompileOptions { MaxBatch = 256 });
            var optimizer = new Adam(model.Parameters(), lr: 3e-3);
            var loader = new DataLoader(train, 64, shuffle: true, seed: 11);
            return new Trainer(loader, (x, y) => compiled.TrainStep(x, y, optimizer))
            {
                Optimizer = optimizer,
                Scheduler = new CosineAnnealingLR(optimizer, totalSteps: 4 * loader.BatchesPerEpoch),
                Transforms = [new RandomRotation(10, seed: 2), new RandomErasing(p: 0.3, seed: 3)],
                Evaluate = _ => new Dictionary<string, double> { ["val_accuracy"] = Accuracy(compiled, eval) },
            }.Fit(epochs: 4);
        }

        var first = Run();
        var second = Run();
        Assert.Equal(first.StepLosses, second.StepLosses);
        Assert.Equal(first.Series("val_accuracy"), second.Series("val_accuracy"));
        Assert.Equal(first.StepLearningRates, second.StepLearningRates);
        Assert.True(first.Epochs[^1].TrainLoss < 0.5 * first.Epochs[0].TrainLoss, $"loss {first.Epochs[0].TrainLoss} → {first.Epochs[^1].TrainLoss}");
        Assert.True(first.Epochs[^1].Get("val_accuracy") > 0.8, $"accuracy {first.Epochs[^1].Get("val_accuracy")}");
    }

    internal static double Accuracy(MnistMlp.Compiled compiled, Dataset eval)
    {
        int correct = 0;
        foreach (var (x, y) in new DataLoader(eval, 256, shuffle: false).Epoch(0)) correct += Metrics.CountCorrect(compiled.Forward(x), y.AsSpanInt32());
        return (double)correct / eval.Count;
    }

    private sealed class RecordingCallback(List<string> log) : ICallback
    {
        public void OnTrainStart(Trainer trainer, TrainingPlan plan) => log.Add($"start {plan.Epochs}x{plan.BatchesPerEpoch}");
        public void OnEpochStart(Trainer trainer, int epoch) => log.Add($"epoch {epoch}");
        public void OnBatchEnd(Trainer trainer, BatchResult batch) => log.Add($"batch {batch.Epoch}.{batch.Batch} n={batch.Samples}");
        public void OnEpochEnd(Trainer trainer, EpochRecord record) => log.Add($"end {record.Epoch}");
        public void OnTrainEnd(Trainer trainer, TrainingHistory history) => log.Add($"done {history.Epochs.Count}");
    }
}
