using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace ModelGen.Training;

/// <summary>
/// Shows training progress: in an interactive terminal a live Spectre.Console display (one row per epoch with its
/// step, loss, samples per second and a progress bar, an overall bar with the time remaining, and each finished
/// epoch's metrics); when the output is redirected, the <c>CI</c> variable is set or the terminal is not
/// interactive, one plain, parseable line per epoch:
/// <c>epoch=3/10 steps=469 loss=0.0812 val_accuracy=0.9712 lr=0.001 samples_per_s=52340 time=1.146s</c>.
/// </summary>
public sealed class ProgressReporter : ICallback
{
    private readonly TextWriter? _plain;
    private readonly IAnsiConsole? _console;
    private readonly Stopwatch _epochWatch = new();
    private TrainingPlan _plan;
    private int _samples, _steps;
    private double _lastLoss, _trainSeconds;
    private LiveDisplay? _live;

    /// <summary>Chooses live or plain output from the console (see <see cref="ShouldUsePlainOutput"/>).</summary>
    public ProgressReporter()
    {
        if (ShouldUsePlainOutput(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("CI"), AnsiConsole.Profile.Capabilities.Interactive))
            _plain = Console.Out;
        else
            _console = AnsiConsole.Console;
    }

    /// <summary>Writes plain lines to <paramref name="plainOutput"/> (a log file, a test's <see cref="StringWriter"/>).</summary>
    public ProgressReporter(TextWriter plainOutput)
    {
        ArgumentNullException.ThrowIfNull(plainOutput);
        _plain = plainOutput;
    }

    /// <summary>Draws the live display on <paramref name="console"/>.</summary>
    public ProgressReporter(IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        _console = console;
    }

    /// <summary>Whether this reporter draws a live display (false: plain lines).</summary>
    public bool IsLive => _console is not null;

    /// <summary>
    /// Plain lines when the output is redirected, when <paramref name="ciVariable"/> (the <c>CI</c> environment
    /// variable) is set to anything but "false" or "0", or when the terminal is not interactive.
    /// </summary>
    public static bool ShouldUsePlainOutput(bool outputRedirected, string? ciVariable, bool interactive) =>
        outputRedirected || !interactive || (!string.IsNullOrEmpty(ciVariable) && ciVariable is not ("false" or "0"));

    /// <summary>The plain line of an epoch: <c>key=value</c> pairs separated by spaces, invariant culture.</summary>
    public static string FormatEpochLine(EpochRecord record, int epochs, int steps, double samplesPerSecond)
    {
        var line = new System.Text.StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"epoch={record.Epoch}/{epochs} steps={steps} loss={record.TrainLoss:G6}");
        foreach (var (name, value) in record.Metrics) line.Append(CultureInfo.InvariantCulture, $" {name}={value:G6}");
        line.Append(CultureInfo.InvariantCulture, $" lr={record.LearningRate:G6} samples_per_s={samplesPerSecond:F0} time={record.Duration.TotalSeconds:F3}s");
        return line.ToString();
    }

    /// <inheritdoc/>
    public void OnTrainStart(Trainer trainer, TrainingPlan plan)
    {
        _plan = plan;
        if (_console is not null) _live = new LiveDisplay(_console, plan);
    }

    /// <inheritdoc/>
    public void OnEpochStart(Trainer trainer, int epoch)
    {
        _samples = 0;
        _steps = 0;
        _trainSeconds = 0;
        _epochWatch.Restart();
        _live?.StartEpoch(epoch);
    }

    /// <inheritdoc/>
    public void OnBatchEnd(Trainer trainer, BatchResult batch)
    {
        _samples += batch.Samples;
        _steps++;
        _lastLoss = batch.Loss;
        _trainSeconds = _epochWatch.Elapsed.TotalSeconds;
        _live?.Step(batch.Epoch, _steps, _lastLoss, SamplesPerSecond());
    }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochRecord record)
    {
        string line = FormatEpochLine(record, _plan.Epochs, _steps, SamplesPerSecond());
        if (_plain is not null)
        {
            _plain.WriteLine(line);
            _plain.Flush();
        }
        _live?.EndEpoch(record);
    }

    /// <inheritdoc/>
    public void OnTrainEnd(Trainer trainer, TrainingHistory history)
    {
        _live?.Dispose();
        _live = null;
        if (history.StopReason is null) return;
        if (_plain is not null) _plain.WriteLine($"stopped: {history.StopReason}");
        else _console?.MarkupLine($"[yellow]stopped:[/] {Markup.Escape(history.StopReason)}");
    }

    // Samples per second of the training steps only: the clock stops at the last batch, before evaluation.
    private double SamplesPerSecond() => _trainSeconds > 0 ? _samples / _trainSeconds : 0;

    /// <summary>
    /// Spectre's progress display wants to own the thread that drives it, while a callback is called from the
    /// training loop: it runs on its own thread until training ends. ProgressTask is thread-safe.
    /// </summary>
    private sealed class LiveDisplay : IDisposable
    {
        private readonly ManualResetEventSlim _ready = new(), _finished = new();
        private readonly Thread _thread;
        private readonly TrainingPlan _plan;
        private ProgressContext? _context;
        private ProgressTask? _total, _epoch;

        public LiveDisplay(IAnsiConsole console, TrainingPlan plan)
        {
            _plan = plan;
            var progress = console.Progress().AutoClear(false).HideCompleted(false).Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn());
            _thread = new Thread(() => progress.Start(context =>
            {
                _context = context;
                _total = context.AddTask($"[bold]all {plan.Epochs} epochs[/]", maxValue: Math.Max(1, (double)plan.Epochs * plan.BatchesPerEpoch));
                _ready.Set();
                _finished.Wait();
                context.Refresh();
            })) { IsBackground = true, Name = "ModelGen progress" };
            _thread.Start();
            _ready.Wait();
        }

        public void StartEpoch(int epoch) =>
            _epoch = _context!.AddTask($"epoch {epoch}/{_plan.Epochs}", maxValue: Math.Max(1, _plan.BatchesPerEpoch));

        public void Step(int epoch, int step, double loss, double samplesPerSecond)
        {
            if (_epoch is null) return;
            _epoch.Increment(1);
            _total!.Increment(1);
            _epoch.Description = string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{_plan.Epochs} step {step}/{_plan.BatchesPerEpoch} loss {loss:F4} {samplesPerSecond:N0} samples/s");
        }

        public void EndEpoch(EpochRecord record)
        {
            if (_epoch is null) return;
            // Short enough for an 80-column terminal with the bar beside it: the loss and the metrics, 4 digits each.
            var summary = new System.Text.StringBuilder();
            summary.Append(CultureInfo.InvariantCulture, $"epoch {record.Epoch}/{_plan.Epochs} loss {record.TrainLoss:G4}");
            foreach (var (name, value) in record.Metrics) summary.Append(CultureInfo.InvariantCulture, $" {name} {value:G4}");
            _epoch.Description = Markup.Escape(summary.ToString());
            _epoch.Value = _epoch.MaxValue;
            _epoch.StopTask();
        }

        public void Dispose()
        {
            _total?.StopTask();
            _finished.Set();
            _thread.Join();
            _ready.Dispose();
            _finished.Dispose();
        }
    }
}
