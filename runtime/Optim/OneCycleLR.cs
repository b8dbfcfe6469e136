using System.Globalization;

namespace ModelGen.Optim;

/// <summary>
/// The 1cycle policy (Smith &amp; Topin 2018) as <c>torch.optim.lr_scheduler.OneCycleLR</c> computes it, for the
/// learning rate only (torch's <c>cycle_momentum=False</c>). Each group starts at η_init = maxLr / divFactor, rises to
/// maxLr, and falls to η_min = η_init / finalDivFactor, phase by phase:
/// <code>
/// two phases:   [0, pctStart·N − 1]: η_init → maxLr;   (…, N − 1]: maxLr → η_min
/// three phases: [0, pctStart·N − 1]: η_init → maxLr;   (…, 2·pctStart·N − 2]: maxLr → η_init;   (…, N − 1]: η_init → η_min
/// </code>
/// Within a phase from step a to step b, with p = (t − a) / (b − a), the rate moves from s to e by
/// <c>e + (s − e)(1 + cos πp) / 2</c> ("cos") or <c>s + (e − s)p</c> ("linear"). Call Step after each batch;
/// stepping past N throws, as torch does. Sets each group's <see cref="OptimizerGroup.InitialLearningRate"/> to η_init.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private readonly (double EndStep, bool FromMax, bool ToMax, bool ToMin)[] _phases;

    /// <summary>Creates the schedule and applies t = 0 (η_init on every group).</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    /// <param name="maxLr">The peak learning rate, for every group.</param>
    /// <param name="totalSteps">N ≥ 1, the number of steps in the cycle.</param>
    /// <param name="pctStart">The fraction ∈ [0, 1] of the cycle spent increasing the rate.</param>
    /// <param name="annealStrategy">"cos" or "linear".</param>
    /// <param name="divFactor">η_init = maxLr / divFactor.</param>
    /// <param name="finalDivFactor">η_min = η_init / finalDivFactor.</param>
    /// <param name="threePhase">Use a third phase that anneals from η_init to η_min (fastai's schedule otherwise).</param>
    public OneCycleLR(IOptimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, string annealStrategy = "cos",
        double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (!(pctStart >= 0 && pctStart <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(pctStart), string.Create(CultureInfo.InvariantCulture, $"Expected float between 0 and 1 pct_start, but got {pctStart}"));
        }
        if (annealStrategy is not ("cos" or "linear"))
        {
            throw new ArgumentException($"anneal_strategy must be one of 'cos' or 'linear', instead got {annealStrategy}", nameof(annealStrategy));
        }
        MaxLr = maxLr;
        TotalSteps = totalSteps;
        AnnealStrategy = annealStrategy;
        InitialLr = maxLr / divFactor;
        MinLr = InitialLr / finalDivFactor;
        _phases = threePhase
            ? [(pctStart * totalSteps - 1, false, true, false), (2 * pctStart * totalSteps - 2, true, false, false), (totalSteps - 1, false, false, true)]
            : [(pctStart * totalSteps - 1, false, true, false), (totalSteps - 1, true, false, true)];
        for (int g = 0; g < BaseLearningRates.Length; g++)
        {
            BaseLearningRates[g] = InitialLr;
            optimizer.ParamGroups[g].InitialLearningRate = InitialLr;
        }
        Start();
    }

    /// <summary>The peak learning rate.</summary>
    public double MaxLr { get; }

    /// <summary>η_init = maxLr / divFactor, the rate at step 0.</summary>
    public double InitialLr { get; }

    /// <summary>η_min = η_init / finalDivFactor, the rate at the last step.</summary>
    public double MinLr { get; }

    /// <summary>N, the steps in the cycle.</summary>
    public int TotalSteps { get; }

    /// <summary>"cos" or "linear".</summary>
    public string AnnealStrategy { get; }

    private protected override double LearningRateAt(int group, double baseLearningRate, int epoch)
    {
        if (epoch > TotalSteps)
        {
            throw new InvalidOperationException(
                $"Tried to step {epoch} times. The specified number of total steps is {TotalSteps}");
        }
        double startStep = 0;
        for (int i = 0; i < _phases.Length; i++)
        {
            var phase = _phases[i];
            if (epoch <= phase.EndStep || i == _phases.Length - 1)
            {
                double pct = (epoch - startStep) / (phase.EndStep - startStep);
                double start = phase.FromMax ? MaxLr : InitialLr;
                double end = phase.ToMax ? MaxLr : phase.ToMin ? MinLr : InitialLr;
                return AnnealStrategy == "cos" ? end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1) : (end - start) * pct + start;
            }
            startStep = phase.EndStep;
        }
        throw new InvalidOperationException("unreachable: the last phase always matches");
    }
}
