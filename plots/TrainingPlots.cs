using System.Globalization;
using ModelGen.Training;
using ScottPlot;

namespace ModelGen.Plots;

/// <summary>
/// PNG plots of a training run, drawn with ScottPlot 5: loss and metric curves per epoch (training and
/// validation on one chart), the learning rate of every step, and a confusion-matrix heatmap. Every method writes
/// the file at <c>path</c> (overwriting it) and returns the full path.
/// </summary>
public static class TrainingPlots
{
    /// <summary>The default image size, in pixels.</summary>
    public const int DefaultWidth = 800, DefaultHeight = 500;

    /// <summary>
    /// The training loss and every evaluation metric whose name ends in "loss" (<c>val_loss</c>), per epoch.
    /// </summary>
    public static string SaveLoss(TrainingHistory history, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(history);
        var names = new List<string> { "loss" };
        names.AddRange(MetricNames(history).Where(n => n.EndsWith("loss", StringComparison.Ordinal)));
        return SaveCurves(history, path, names, "Loss", "loss", width, height);
    }

    /// <summary>
    /// Curves of the named series per epoch (<c>"loss"</c>, <c>"lr"</c> or evaluation metrics, as
    /// <see cref="TrainingHistory.Series"/> reads them), one line with markers each, with a legend.
    /// </summary>
    /// <exception cref="ArgumentException">No names are given, or the history has no epochs.</exception>
    public static string SaveCurves(TrainingHistory history, string path, IReadOnlyList<string> names, string title, string yLabel,
        int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0) throw new ArgumentException("Name at least one series to plot.", nameof(names));
        if (history.Epochs.Count == 0) throw new ArgumentException("The history has no epochs to plot.", nameof(history));
        var plot = new Plot();
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        foreach (string name in names)
        {
            var line = plot.Add.Scatter(epochs, history.Series(name));
            line.LegendText = name;
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Alignment.UpperRight);
        return Save(plot, path, width, height);
    }

    /// <summary>
    /// The learning rate of every training step (<see cref="TrainingHistory.StepLearningRates"/>), on a log axis
    /// when it spans more than a factor of 100 (warm-up then decay spans several decades).
    /// </summary>
    /// <exception cref="ArgumentException">The history has no steps with a learning rate.</exception>
    public static string SaveLearningRate(TrainingHistory history, string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(history);
        double[] rates = history.StepLearningRates.ToArray();
        if (rates.Length == 0 || rates.All(double.IsNaN)) throw new ArgumentException("The history has no learning rates (was the trainer given an optimizer?).", nameof(history));
        double[] steps = Enumerable.Range(1, rates.Length).Select(s => (double)s).ToArray();
        double min = rates.Where(r => r > 0).DefaultIfEmpty(0).Min(), max = rates.Max();
        bool log = min > 0 && max / min > 100;
        var plot = new Plot();
        var line = plot.Add.Scatter(steps, log ? rates.Select(Math.Log10).ToArray() : rates);
        line.MarkerSize = 0;
        line.LineWidth = 2;
        // A rate holds for a whole step: draw stairs, not slopes between steps.
        line.ConnectStyle = ConnectStyle.StepHorizontal;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (log)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = value => Math.Pow(10, value).ToString("G3", CultureInfo.InvariantCulture),
            };
        }
        plot.Title("Learning rate");
        plot.XLabel("step");
        plot.YLabel(log ? "learning rate (log scale)" : "learning rate");
        return Save(plot, path, width, height);
    }

    /// <summary>
    /// A heatmap of <paramref name="matrix"/> (rows: true class, columns: predicted, as
    /// <see cref="Metrics.ConfusionMatrix"/> lays it out), each cell labelled with its count, row 0 at the top.
    /// </summary>
    /// <exception cref="ArgumentException">The matrix is not square, or the class names do not match it.</exception>
    public static string SaveConfusionMatrix(int[,] matrix, string path, IReadOnlyList<string>? classNames = null, int size = 600)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int classes = matrix.GetLength(0);
        if (classes == 0 || matrix.GetLength(1) != classes) throw new ArgumentException($"A confusion matrix is square; got {classes}×{matrix.GetLength(1)}.", nameof(matrix));
        if (classNames is not null && classNames.Count != classes) throw new ArgumentException($"Give {classes} class names; got {classNames.Count}.", nameof(classNames));
        var values = new double[classes, classes];
        int peak = 0;
        for (int i = 0; i < classes; i++)
            for (int j = 0; j < classes; j++)
            {
                values[i, j] = matrix[i, j];
                peak = Math.Max(peak, matrix[i, j]);
            }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (i, j) is centred on x = j, y = classes − 1 − i (row 0 at the top, as scikit-learn draws it). With
        // centred cells, ScottPlot's extent runs from the first cell's centre to the last one's.
        heatmap.CellAlignment = Alignment.MiddleCenter;
        heatmap.Extent = new CoordinateRect(0, classes - 1, 0, classes - 1);
        plot.Add.ColorBar(heatmap);
        for (int i = 0; i < classes; i++)
            for (int j = 0; j < classes; j++)
            {
                var text = plot.Add.Text(matrix[i, j].ToString(CultureInfo.InvariantCulture), j, classes - 1 - i);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = classes > 12 ? 9 : 14;
                text.LabelFontColor = matrix[i, j] > peak / 2 ? Colors.Black : Colors.White;
            }
        string Name(int c) => classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture);
        var ticks = Enumerable.Range(0, classes).ToArray();
        plot.Axes.Bottom.SetTicks(ticks.Select(c => (double)c).ToArray(), ticks.Select(Name).ToArray());
        plot.Axes.Left.SetTicks(ticks.Select(c => (double)(classes - 1 - c)).ToArray(), ticks.Select(Name).ToArray());
        plot.Axes.SetLimits(-0.5, classes - 0.5, -0.5, classes - 0.5);
        plot.Title("Confusion matrix");
        plot.XLabel("predicted");
        plot.YLabel("true");
        return Save(plot, path, size + 100, size);
    }

    private static IEnumerable<string> MetricNames(TrainingHistory history) =>
        history.Epochs.SelectMany(e => e.Metrics.Keys).Distinct().Order(StringComparer.Ordinal);

    private static string Save(Plot plot, string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 50);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 50);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        plot.SavePng(full, width, height);
        return full;
    }
}
