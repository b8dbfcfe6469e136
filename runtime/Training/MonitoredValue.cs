namespace ModelGen.Training;

/// <summary>
/// The "has the monitored metric improved?" rule shared by <see cref="EarlyStopping"/> and
/// <see cref="ModelCheckpoint"/>, as Keras defines it: in "min" mode a value improves when it is below
/// best − minDelta, in "max" mode when it is above best + minDelta. The first value always improves.
/// </summary>
internal sealed class MonitoredValue
{
    private readonly bool _max;
    private readonly double _minDelta;

    public MonitoredValue(string monitor, string mode, double minDelta)
    {
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "minDelta must be zero or positive.");
        Monitor = monitor;
        _max = ParseMode(mode);
        _minDelta = minDelta;
        Best = _max ? double.NegativeInfinity : double.PositiveInfinity;
    }

    public string Monitor { get; }

    public double Best { get; private set; }

    public bool HasBest { get; private set; }

    /// <summary>Reads the monitored value from <paramref name="record"/>; true (and the best updated) when it improves.</summary>
    /// <exception cref="KeyNotFoundException">The epoch has no such metric.</exception>
    public bool Update(EpochRecord record)
    {
        double value = record.Get(Monitor);
        if (double.IsNaN(value)) return false;
        bool improved = !HasBest || (_max ? value > Best + _minDelta : value < Best - _minDelta);
        if (improved)
        {
            Best = value;
            HasBest = true;
        }
        return improved;
    }

    /// <summary>"max" → true, "min" → false; anything else throws.</summary>
    public static bool ParseMode(string mode) => mode switch
    {
        "min" => false,
        "max" => true,
        _ => throw new ArgumentException($"mode must be \"min\" or \"max\"; got \"{mode}\".", nameof(mode)),
    };
}
