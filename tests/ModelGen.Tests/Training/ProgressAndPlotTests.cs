using System.Globalization;
using System.Text.RegularExpressions;
using ModelGen.Data;
using ModelGen.Optim;
using ModelGen.Plots;
using ModelGen.Tests.Data;
using ModelGen.Training;
using Spectre.Console;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>The progress reporter's plain and live modes, and the PNG plots.</summary>
public class ProgressAndPlotTests
{
    private static TrainingHistory RunWith(params ICallback[] callbacks)
    {
        var optimizer = new Sgd([new Parameter("w", Tensor.Zeros(1))], lr: 0.5);
        return new Trainer(new DataLoader(TrainerTests.Tiny(), 4, shuffle: false), (x, y) => x.AsSpan()[0] / 10)
        {
            Optimizer = optimizer,
            Scheduler = new StepLR(optimizer, stepSize: 2, gamma: 0.5),
            Evaluate = epoch => new Dictionary<string, double> { ["val_loss"] = 1.0 / epoch, ["val_accuracy"] = 0.5 + epoch / 10.0 },
            Callbacks = callbacks,
        }.Fit(epochs: 3);
    }

    [Fact]
    public void PlainMode_OneParseableLinePerEpoch_MatchingTheHistory()
    {
        var output = new StringWriter();
        var reporter = new ProgressReporter(output);
        Assert.False(reporter.IsLive);
        var history = RunWith(reporter);

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        for (int e = 0; e < 3; e++)
        {
            var fields = lines[e].Trim().Split(' ').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
            Assert.Equal($"{e + 1}/3", fields["epoch"]);
            Assert.Equal("3", fields["steps"]);
            var record = history.Epochs[e];
            Assert.Equal(record.TrainLoss, double.Parse(fields["loss"], CultureInfo.InvariantCulture), 5);
            Assert.Equal(record.Get("val_accuracy"), double.Parse(fields["val_accuracy"], CultureInfo.InvariantCulture), 5);
            Assert.Equal(record.LearningRate, double.Parse(fields["lr"], CultureInfo.InvariantCulture), 8);
            Assert.True(double.Parse(fields["samples_per_s"], CultureInfo.InvariantCulture) >= 0);
            Assert.Matches(new Regex(@"^\d+\.\d{3}s$"), fields["time"]);
        }
    }

    [Fact]
    public void PlainMode_SamplesPerSecond_LeavesEvaluationTimeOut()
    {
        // 10 samples through trivial steps, then an evaluation of 300 ms: counted in, the rate would be below 34/s.
        var output = new StringWriter();
        new Trainer(new DataLoader(TrainerTests.Tiny(), 5, shuffle: false), (x, y) => 0f)
        {
            Evaluate = _ => { Thread.Sleep(300); return new Dictionary<string, double>(); },
            Callbacks = [new ProgressReporter(output)],
        }.Fit(epochs: 1);
        string rate = output.ToString().Split(' ').Single(f => f.StartsWith("samples_per_s=", StringComparison.Ordinal));
        Assert.True(double.Parse(rate["samples_per_s=".Length..], CultureInfo.InvariantCulture) > 200, rate);
        string time = output.ToString().Split(' ').Single(f => f.StartsWith("time=", StringComparison.Ordinal)).Trim();
        Assert.True(double.Parse(time["time=".Length..^1], CultureInfo.InvariantCulture) >= 0.3, time);   // the epoch's time includes it
    }

    [Fact]
    public void PlainMode_EarlyStop_EndsWithTheReason()
    {
        var output = new StringWriter();
        RunWith(new EarlyStopping("val_accuracy", "min", patience: 1), new ProgressReporter(output));
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("stopped: early stopping: val_accuracy", lines[2]);
    }

    [Theory]
    [InlineData(true, null, true, true)]
    [InlineData(false, "true", true, true)]
    [InlineData(false, "1", true, true)]
    [InlineData(false, "false", true, false)]
    [InlineData(false, null, true, false)]
    [InlineData(false, null, false, true)]
    public void ShouldUsePlainOutput_RedirectedCiOrNonInteractive(bool redirected, string? ci, bool interactive, bool plain) =>
        Assert.Equal(plain, ProgressReporter.ShouldUsePlainOutput(redirected, ci, interactive));

    [Fact]
    public void LiveMode_RendersEpochsOnAnAnsiConsole()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 160;
        var reporter = new ProgressReporter(console);
        Assert.True(reporter.IsLive);
        RunWith(reporter);
        string text = output.ToString();
        Assert.Contains("epoch 3/3 loss 0.32 val_loss 0.3333 val_accuracy 0.8", text);
        Assert.Contains("all 3 epochs", text);
    }

    [Fact]
    public void Plots_WriteValidNonTrivialPngs()
    {
        using var folder = new TemporaryFolder();
        var history = RunWith();
        string[] paths =
        [
            TrainingPlots.SaveLoss(history, folder.Combine("loss.png")),
            TrainingPlots.SaveCurves(history, folder.Combine("accuracy.png"), ["val_accuracy"], "Accuracy", "accuracy"),
            TrainingPlots.SaveLearningRate(history, folder.Combine("lr.png")),
            TrainingPlots.SaveConfusionMatrix(Metrics.ConfusionMatrix([0, 1, 2, 2, 1, 0, 2], [0, 2, 2, 2, 1, 1, 2], 3), folder.Combine("cm.png"), ["zero", "one", "two"]),
        ];
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        foreach (string path in paths)
        {
            byte[] bytes = File.ReadAllBytes(path);
            Assert.Equal(signature, bytes[..8]);
            Assert.True(bytes.Length > 5_000, $"{path}: {bytes.Length} bytes");
            // IHDR holds the width and height, big-endian, right after the signature and chunk header.
            int width = (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19];
            Assert.True(width >= 600, $"{path}: width {width}");
        }
        string? keep = Environment.GetEnvironmentVariable("MODELGEN_KEEP_PLOTS");
        if (!string.IsNullOrEmpty(keep))
        {
            Directory.CreateDirectory(keep);
            foreach (string path in paths) File.Copy(path, Path.Combine(keep, Path.GetFileName(path)), overwrite: true);
        }
    }

    [Fact]
    public void Plots_RefuseEmptyInputs()
    {
        Assert.Throws<ArgumentException>(() => TrainingPlots.SaveLoss(new TrainingHistory(), "x.png"));
        Assert.Throws<ArgumentException>(() => TrainingPlots.SaveConfusionMatrix(new int[2, 3], "x.png"));
        var noOptimizer = new Trainer(new DataLoader(TrainerTests.Tiny(), 5, shuffle: false), (x, y) => 0f).Fit(1);
        Assert.Throws<ArgumentException>(() => TrainingPlots.SaveLearningRate(noOptimizer, "x.png"));
    }
}
