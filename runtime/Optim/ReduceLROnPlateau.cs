using System.Globalization;

namespace ModelGen.Optim;

/// <summary>
/// Lowers every group's learning rate when a monitored metric stops improving, as
/// <c>torch.optim.lr_scheduler.ReduceLROnPlateau</c>. Call <see cref="Step(double)"/> with the metric (a validation
/// loss, say) once per epoch. A value is an improvement when it beats the best so far by the threshold
/// (<c>mode="min"</c>, <c>thresholdMode="rel"</c>: <c>a &lt; best·(1 − threshold)</c>; "abs": <c>a &lt; best − threshold</c>;
/// "max" mirrors both). After more than <c>patience</c> epochs without one, each rate becomes
/// <c>max(η·factor, minLr)</c> (unless that changes it by no more than eps), and the bad-epoch count pauses for
/// <c>cooldown</c> epochs. It is not an <see cref="ILRScheduler"/>: its step needs the metric.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly double[] _minLrs;
    private readonly double[] _lastRates;

    /// <summary>Watches a metric for <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimizer whose groups to reduce.</param>
    /// <param name="mode">"min" (lower is better) or "max".</param>
    /// <param name="factor">The factor ∈ [0, 1) applied on a plateau.</param>
    /// <param name="patience">How many epochs without improvement to tolerate.</param>
    /// <param name="threshold">How much better a value must be to count as an improvement.</param>
    /// <param name="thresholdMode">"rel" (relative to the best) or "abs".</param>
    /// <param name="cooldown">Epochs to wait after a reduction before counting bad epochs again.</param>
    /// <param name="minLr">The floor of every group's rate.</param>
    /// <param name="eps">The smallest change worth applying.</param>
    public ReduceLROnPlateau(IOptimizer optimizer, string mode = "min", double factor = 0.1, int patience = 10,
        double threshold = 1e-4, string thresholdMode = "rel", int cooldown = 0, double minLr = 0, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor < 1.0)) throw new ArgumentOutOfRangeException(nameof(factor), "Factor should be < 1.0.");
        if (mode is not ("min" or "max")) throw new ArgumentException($"mode {mode} is unknown!", nameof(mode));
        if (thresholdMode is not ("rel" or "abs")) throw new ArgumentException($"threshold mode {thresholdMode} is unknown!", nameof(thresholdMode));
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        _minLrs = new double[optimizer.ParamGroups.Count];
        Array.Fill(_minLrs, minLr);
        _lastRates = [.. optimizer.ParamGroups.Select(group => group.LearningRate)];
        Best = mode == "min" ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>The optimizer whose groups this schedule reduces.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>"min" or "max".</summary>
    public string Mode { get; }

    /// <summary>The factor applied on a plateau.</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }

    /// <summary>The improvement threshold.</summary>
    public double Threshold { get; }

    /// <summary>"rel" or "abs".</summary>
    public string ThresholdMode { get; }

    /// <summary>Epochs of rest after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>The smallest change worth applying.</summary>
    public double Eps { get; }

    /// <summary>The best metric seen so far.</summary>
    public double Best { get; private set; }

    /// <summary>Epochs since the last improvement (reset by a reduction and during cooldown).</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>How many times Step was called.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The first group's learning rate after the last step.</summary>
    public double LastLearningRate => _lastRates[0];

    /// <summary>Every group's learning rate after the last step.</summary>
    public IReadOnlyList<double> LastLearningRates => _lastRates;

    /// <summary>Records this epoch's metric, and reduces the learning rates on a plateau.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }
        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            NumBadEpochs = 0;
        }
        if (NumBadEpochs > Patience)
        {
            Reduce();
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
        var groups = Optimizer.ParamGroups;
        for (int g = 0; g < _lastRates.Length; g++) _lastRates[g] = groups[g].LearningRate;
    }

    private bool IsBetter(double value) => (Mode, ThresholdMode) switch
    {
        ("min", "rel") => value < Best * (1 - Threshold),
        ("min", _) => value < Best - Threshold,
        (_, "rel") => value > Best * (Threshold + 1),
        _ => value > Best + Threshold,
    };

    private void Reduce()
    {
        var groups = Optimizer.ParamGroups;
        for (int g = 0; g < groups.Count; g++)
        {
            double old = groups[g].LearningRate;
            double reduced = Math.Max(old * Factor, _minLrs[g]);
            if (old - reduced > Eps) groups[g].LearningRate = reduced;
        }
    }

    /// <summary>A copy of the counters (torch's names): <c>best</c>, <c>num_bad_epochs</c>, <c>cooldown_counter</c>, <c>last_epoch</c>, <c>last_lr.&lt;g&gt;</c>.</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["best"] = StateTensors.Scalar(Best),
            ["num_bad_epochs"] = StateTensors.Scalar(NumBadEpochs),
            ["cooldown_counter"] = StateTensors.Scalar(CooldownCounter),
            ["last_epoch"] = StateTensors.Scalar(LastEpoch),
        };
        for (int g = 0; g < _lastRates.Length; g++) state[Key(g)] = StateTensors.Scalar(_lastRates[g]);
        return state;
    }

    /// <summary>Restores a <see cref="StateDict"/>; leaves the optimizer alone.</summary>
    /// <exception cref="ArgumentException">A key is missing.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Best = StateTensors.RequireScalar(state, "best");
        NumBadEpochs = (int)StateTensors.RequireScalar(state, "num_bad_epochs");
        CooldownCounter = (int)StateTensors.RequireScalar(state, "cooldown_counter");
        LastEpoch = (int)StateTensors.RequireScalar(state, "last_epoch");
        for (int g = 0; g < _lastRates.Length; g++) _lastRates[g] = StateTensors.RequireScalar(state, Key(g));
    }

    private static string Key(int group) => string.Create(CultureInfo.InvariantCulture, $"last_lr.{group}");
}
