using System.Globalization;

namespace ModelGen.Training;

/// <summary>
/// Saves the model with <see cref="ModelCheckpoints.Save"/> (a safetensors file PyTorch reads) after each epoch in
/// which a monitored metric improved, as Keras's <c>ModelCheckpoint(save_best_only=True)</c>; with
/// <c>saveBestOnly: false</c> after every epoch. The path may contain <c>{epoch}</c>, replaced by the epoch
/// number, to keep one file per save.
/// </summary>
public sealed class ModelCheckpoint : ICallback
{
    private readonly IModel _model;
    private readonly MonitoredValue _monitored;
    private readonly List<int> _savedEpochs = [];

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> when <paramref name="monitor"/> improves.</summary>
    /// <param name="model">The model whose parameters are saved.</param>
    /// <param name="path">The file, optionally with <c>{epoch}</c> in it.</param>
    /// <param name="monitor">The metric's name (<c>"loss"</c> or an evaluation metric).</param>
    /// <param name="mode">"min" when lower is better, "max" when higher is.</param>
    /// <param name="saveBestOnly">Save only on improvement (true), or after every epoch.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement.</param>
    public ModelCheckpoint(IModel model, string path, string monitor = "val_loss", string mode = "min", bool saveBestOnly = true, double minDelta = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        _model = model;
        _monitored = new MonitoredValue(monitor, mode, minDelta);
        Path = path;
        SaveBestOnly = saveBestOnly;
    }

    /// <summary>The file pattern.</summary>
    public string Path { get; }

    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>The best monitored value seen.</summary>
    public double Best => _monitored.Best;

    /// <summary>The epochs after which the model was saved, in order.</summary>
    public IReadOnlyList<int> SavedEpochs => _savedEpochs;

    /// <summary>The file written last, or null.</summary>
    public string? LastSavedPath { get; private set; }

    /// <inheritdoc/>
    public void OnEpochEnd(Trainer trainer, EpochRecord record)
    {
        bool improved = _monitored.Update(record);
        if (SaveBestOnly && !improved) return;
        string path = Path.Replace("{epoch}", record.Epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var metadata = new Dictionary<string, string>
        {
            ["epoch"] = record.Epoch.ToString(CultureInfo.InvariantCulture),
            [_monitored.Monitor] = record.Get(_monitored.Monitor).ToString("R", CultureInfo.InvariantCulture),
        };
        _model.Save(path, metadata);
        _savedEpochs.Add(record.Epoch);
        LastSavedPath = path;
    }
}
