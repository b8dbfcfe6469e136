namespace ModelGen.Optim;

/// <summary>
/// Decays each group's learning rate by γ every step, as <c>torch.optim.lr_scheduler.ExponentialLR</c>:
/// <c>η_t = η₀·γ^t</c>.
/// </summary>
public sealed class ExponentialLR : LRScheduler
{
    /// <summary>Creates the schedule and applies t = 0.</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    /// <param name="gamma">The factor γ applied each step.</param>
    public ExponentialLR(IOptimizer optimizer, double gamma) : base(optimizer)
    {
        Gamma = gamma;
        Start();
    }

    /// <summary>The factor applied each step.</summary>
    public double Gamma { get; }

    private protected override double LearningRateAt(int group, double baseLearningRate, int epoch)
        => baseLearningRate * Math.Pow(Gamma, epoch);
}
