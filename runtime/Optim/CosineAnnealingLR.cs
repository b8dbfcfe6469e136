namespace ModelGen.Optim;

/// <summary>
/// Cosine annealing of each group's learning rate, as <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> defines it
/// (closed form, without restarts): after t calls of <see cref="LRScheduler.Step"/>,
/// <c>η_t = η_min + (η₀ − η_min)·(1 + cos(π·t / T_max)) / 2</c>, where η₀ is the group's initial learning rate.
/// Unlike torch, whose cosine climbs again after T_max, the rate stays at η_min past T_max (one annealing run;
/// use <see cref="CosineAnnealingWarmRestarts"/> for cycles). Call Step after each optimizer step.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    /// <summary>Anneals each group's initial learning rate to <paramref name="minRate"/> over <paramref name="totalSteps"/> steps.</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    /// <param name="totalSteps">T_max ≥ 1 (torch's <c>T_max</c>).</param>
    /// <param name="minRate">η_min ≥ 0 (torch's <c>eta_min</c>).</param>
    public CosineAnnealingLR(IOptimizer optimizer, int totalSteps, double minRate = 0) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minRate);
        TotalSteps = totalSteps;
        MinRate = minRate;
        Start();
    }

    /// <summary>T_max: the number of steps from the initial rate down to <see cref="MinRate"/>.</summary>
    public int TotalSteps { get; }

    /// <summary>η_min.</summary>
    public double MinRate { get; }

    /// <summary>How many times Step was called (<see cref="LRScheduler.LastEpoch"/>).</summary>
    public int StepsTaken => LastEpoch;

    /// <summary>The first group's learning rate after <paramref name="step"/> steps.</summary>
    public double RateAt(int step) => LearningRateAt(0, BaseLearningRates[0], step);

    private protected override double LearningRateAt(int group, double baseLearningRate, int epoch)
        => epoch >= TotalSteps ? MinRate : MinRate + (baseLearningRate - MinRate) * (1 + Math.Cos(Math.PI * epoch / TotalSteps)) / 2;
}
