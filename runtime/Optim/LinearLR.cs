namespace ModelGen.Optim;

/// <summary>
/// Scales each group's learning rate by a factor that moves linearly from <c>startFactor</c> to <c>endFactor</c>
/// over <c>totalIters</c> steps, then stays, as <c>torch.optim.lr_scheduler.LinearLR</c> (a warm-up, usually):
/// <c>η_t = η₀·(s + (e − s)·min(t, T) / T)</c>.
/// </summary>
public sealed class LinearLR : LRScheduler
{
    /// <summary>Creates the schedule and applies t = 0.</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    /// <param name="startFactor">The factor s ∈ (0, 1] at t = 0.</param>
    /// <param name="endFactor">The factor e ∈ [0, 1] from t = T on.</param>
    /// <param name="totalIters">T, the steps from s to e, ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A factor is outside its range (torch's check).</exception>
    public LinearLR(IOptimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5) : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(startFactor), "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.");
        }
        if (!(endFactor >= 0 && endFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(endFactor), "Ending multiplicative factor expected to be between 0 and 1.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(totalIters, 1);
        StartFactor = startFactor;
        EndFactor = endFactor;
        TotalIters = totalIters;
        Start();
    }

    /// <summary>The factor at t = 0.</summary>
    public double StartFactor { get; }

    /// <summary>The factor from t = <see cref="TotalIters"/> on.</summary>
    public double EndFactor { get; }

    /// <summary>The steps from the start factor to the end factor.</summary>
    public int TotalIters { get; }

    private protected override double LearningRateAt(int group, double baseLearningRate, int epoch)
        => baseLearningRate * (StartFactor + (EndFactor - StartFactor) * Math.Min(TotalIters, epoch) / TotalIters);
}
