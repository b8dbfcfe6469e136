namespace ModelGen.Optim;

/// <summary>
/// Cosine annealing of an optimizer's learning rate, as <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> defines it
/// (without restarts): after t calls of <see cref="Step"/>,
/// <c>η_t = η_min + (η_max − η_min)·(1 + cos(π·t / T_max)) / 2</c>, where η_max is the optimizer's learning rate
/// when the schedule is created. Past T_max the rate stays at η_min. Call <see cref="Step"/> after each
/// optimizer step.
/// </summary>
public sealed class CosineAnnealingLR
{
    private readonly IOptimizer _optimizer;
    private readonly double _maxRate;

    /// <summary>Anneals <paramref name="optimizer"/>'s current learning rate to <paramref name="minRate"/> over <paramref name="totalSteps"/> steps.</summary>
    public CosineAnnealingLR(IOptimizer optimizer, int totalSteps, double minRate = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minRate);
        _optimizer = optimizer;
        _maxRate = optimizer.LearningRate;
        TotalSteps = totalSteps;
        MinRate = minRate;
    }

    /// <summary>T_max: the number of steps from the initial rate down to <see cref="MinRate"/>.</summary>
    public int TotalSteps { get; }

    /// <summary>η_min.</summary>
    public double MinRate { get; }

    /// <summary>How many times <see cref="Step"/> was called.</summary>
    public int StepsTaken { get; private set; }

    /// <summary>The learning rate after <paramref name="step"/> steps.</summary>
    public double RateAt(int step)
        => step >= TotalSteps ? MinRate : MinRate + (_maxRate - MinRate) * (1 + Math.Cos(Math.PI * step / TotalSteps)) / 2;

    /// <summary>Advances the schedule by one step and sets the optimizer's learning rate.</summary>
    public void Step()
    {
        StepsTaken++;
        _optimizer.LearningRate = (float)RateAt(StepsTaken);
    }
}
