namespace ModelGen.Optim;

/// <summary>
/// The learning-rate range test (Smith 2015, "Cyclical Learning Rates for Training Neural Networks", §3.3) as fastai's
/// <c>lr_find</c> runs it: train for up to N steps while the learning rate grows exponentially from minLr to maxLr,
/// <c>η_i = minLr·(maxLr/minLr)^(i/(N−1))</c>; smooth the loss with a bias-corrected exponential moving average
/// (<c>a ← βa + (1 − β)·loss</c>, <c>smoothed = a / (1 − β^(i+1))</c>); stop early once the smoothed loss exceeds
/// divergenceFactor × the best so far (or is not finite). The suggestion is the rate at the steepest descent of the
/// smoothed loss against log η, over the curve without its first tenth and last five points (as fastai's
/// <c>steep</c> suggestion; all points when the curve is too short).
/// <para>
/// The test trains the model for real, so <see cref="Run"/> restores afterwards what it changed: it copies every
/// parameter of the optimizer's groups and the optimizer's state dict (moments, step counts, learning rates) before
/// the first step and writes them back after the last. Gradients are left as the last step wrote them, and layer
/// buffers that are not parameters (batch-norm running statistics) are not restored.
/// </para>
/// </summary>
public static class LRFinder
{
    /// <summary>Runs the range test.</summary>
    /// <param name="optimizer">The optimizer the step function uses; every group's rate is scaled together (keeping their ratios).</param>
    /// <param name="trainStep">One training step with the optimizer (zero the gradients, forward, backward,
    /// <c>optimizer.Step()</c>), returning the loss: a compiled model's <c>() =&gt; compiled.TrainStep(x, y, optimizer)</c>.</param>
    /// <param name="minLr">The first learning rate, &gt; 0.</param>
    /// <param name="maxLr">The last learning rate, &gt; minLr.</param>
    /// <param name="steps">N, the most steps to run, ≥ 2.</param>
    /// <param name="smoothing">β, the smoothing of the loss.</param>
    /// <param name="divergenceFactor">Stop when the smoothed loss exceeds this multiple of the best.</param>
    /// <returns>The curve and the suggested learning rate.</returns>
    public static LRFinderResult Run(IOptimizer optimizer, Func<float> trainStep, double minLr = 1e-7, double maxLr = 10,
        int steps = 100, double smoothing = 0.98, double divergenceFactor = 4)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(trainStep);
        if (!(minLr > 0 && maxLr > minLr)) throw new ArgumentOutOfRangeException(nameof(maxLr), "Needs 0 < minLr < maxLr.");
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        if (!(smoothing >= 0 && smoothing < 1)) throw new ArgumentOutOfRangeException(nameof(smoothing), "Needs 0 ≤ β < 1.");

        var groups = optimizer.ParamGroups;
        Parameter[] parameters = [.. groups.SelectMany(group => group.Parameters)];
        Tensor[] savedValues = [.. parameters.Select(p => StateTensors.Clone(p.Value))];
        Dictionary<string, Tensor> savedState = optimizer.StateDict();
        double firstRate = groups[0].LearningRate;
        double[] ratios = [.. groups.Select(group => firstRate == 0 ? 1 : group.LearningRate / firstRate)];

        var rates = new List<double>(steps);
        var losses = new List<double>(steps);
        var smoothed = new List<double>(steps);
        bool diverged = false;
        try
        {
            double average = 0, best = double.PositiveInfinity;
            for (int i = 0; i < steps; i++)
            {
                double rate = minLr * Math.Pow(maxLr / minLr, i / (double)(steps - 1));
                for (int g = 0; g < groups.Count; g++) groups[g].LearningRate = rate * ratios[g];
                double loss = trainStep();
                average = smoothing * average + (1 - smoothing) * loss;
                double value = average / (1 - Math.Pow(smoothing, i + 1));
                rates.Add(rate);
                losses.Add(loss);
                smoothed.Add(value);
                if (!double.IsFinite(value) || (i > 0 && value > divergenceFactor * best))
                {
                    diverged = true;
                    break;
                }
                best = Math.Min(best, value);
            }
        }
        finally
        {
            for (int i = 0; i < parameters.Length; i++) StateTensors.CopyInto(savedValues[i], parameters[i].Value);
            optimizer.LoadStateDict(savedState);
        }
        return new LRFinderResult(rates, losses, smoothed, Suggest(rates, smoothed, diverged, steps), diverged);
    }

    /// <summary>The rate where the smoothed loss falls fastest against log η (NaN with fewer than two usable points).</summary>
    private static double Suggest(List<double> rates, List<double> smoothed, bool diverged, int steps)
    {
        int end = diverged ? rates.Count - 1 : rates.Count; // the diverged point is not part of the descent
        int skipStart = steps / 10, skipEnd = 5;
        int from = 0, to = end;
        if (end - skipStart - skipEnd >= 2)
        {
            from = skipStart;
            to = end - skipEnd;
        }
        if (to - from < 2) return double.NaN;
        double steepest = double.PositiveInfinity, suggestion = double.NaN;
        for (int i = from; i < to - 1; i++)
        {
            double slope = (smoothed[i + 1] - smoothed[i]) / (Math.Log(rates[i + 1]) - Math.Log(rates[i]));
            if (slope < steepest)
            {
                steepest = slope;
                suggestion = rates[i];
            }
        }
        return suggestion;
    }
}

/// <summary>The outcome of <see cref="LRFinder.Run"/>: the curve, point by point, and the suggested learning rate.</summary>
/// <param name="LearningRates">The rate of each step run.</param>
/// <param name="Losses">The loss each step returned.</param>
/// <param name="SmoothedLosses">The bias-corrected moving average of the loss after each step.</param>
/// <param name="Suggestion">The rate at the steepest descent of the smoothed loss (NaN if the curve is too short).</param>
/// <param name="Diverged">Whether the test stopped early because the loss blew up.</param>
public sealed record LRFinderResult(
    IReadOnlyList<double> LearningRates, IReadOnlyList<double> Losses, IReadOnlyList<double> SmoothedLosses,
    double Suggestion, bool Diverged);
