namespace ModelGen.Optim;

/// <summary>
/// Decays each group's learning rate by γ every <c>stepSize</c> steps, as <c>torch.optim.lr_scheduler.StepLR</c>:
/// <c>η_t = η₀·γ^⌊t / stepSize⌋</c>. From lr 1 with stepSize 2 and γ 0.5 the rates at t = 0, 1, 2, ... are
/// 1, 1, 0.5, 0.5, 0.25.
/// </summary>
public sealed class StepLR : LRScheduler
{
    /// <summary>Creates the schedule and applies t = 0.</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    /// <param name="stepSize">The period of the decay, ≥ 1.</param>
    /// <param name="gamma">The factor γ applied each period.</param>
    public StepLR(IOptimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        StepSize = stepSize;
        Gamma = gamma;
        Start();
    }

    /// <summary>The period of the decay.</summary>
    public int StepSize { get; }

    /// <summary>The factor applied each period.</summary>
    public double Gamma { get; }

    private protected override double LearningRateAt(int group, double baseLearningRate, int epoch)
        => baseLearningRate * Math.Pow(Gamma, epoch / StepSize);
}
