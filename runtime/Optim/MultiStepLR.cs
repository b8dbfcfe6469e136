namespace ModelGen.Optim;

/// <summary>
/// Decays each group's learning rate by γ at each milestone, as <c>torch.optim.lr_scheduler.MultiStepLR</c>:
/// <c>η_t = η₀·γ^k</c> with k the number of milestones ≤ t (a milestone listed twice counts twice, as torch's
/// Counter does). From lr 1 with milestones [2, 4] and γ 0.1: 1, 1, 0.1, 0.1, 0.01, 0.01, ...
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly int[] _milestones;

    /// <summary>Creates the schedule and applies t = 0.</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    /// <param name="milestones">The steps at which to decay (sorted here).</param>
    /// <param name="gamma">The factor γ applied at each milestone.</param>
    public MultiStepLR(IOptimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = [.. milestones.Order()];
        Gamma = gamma;
        Start();
    }

    /// <summary>The milestones, sorted.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>The factor applied at each milestone.</summary>
    public double Gamma { get; }

    private protected override double LearningRateAt(int group, double baseLearningRate, int epoch)
        => baseLearningRate * Math.Pow(Gamma, MilestonesReached(_milestones, epoch));

    /// <summary>Python's <c>bisect_right(sorted, value)</c>: how many entries are ≤ <paramref name="value"/>.</summary>
    internal static int MilestonesReached(int[] sorted, int value)
    {
        int count = 0;
        while (count < sorted.Length && sorted[count] <= value) count++;
        return count;
    }
}
