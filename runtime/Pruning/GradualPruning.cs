namespace ModelGen.Pruning;

/// <summary>
/// Gradual magnitude pruning on the polynomial schedule of Zhu and Gupta 2017 ("To prune, or not to prune"):
/// at the pruning steps t ∈ {t₀, t₀ + Δt, …, t₀ + nΔt} the weights are pruned by magnitude
/// (<see cref="Prune.Magnitude"/>) to
/// <code>
/// s_t = s_f + (s_i − s_f)·(1 − (t − t₀)/(nΔt))³
/// </code>
/// so sparsity rises fast while the network has many redundant weights and slowly near the end, with training in
/// between letting it recover. Between pruning steps the masks hold the sparsity (optimizers honour them).
/// Step 0 is the state when the schedule is created; call <see cref="Step"/> after each optimizer step.
/// </summary>
public sealed class GradualPruning
{
    private readonly IModel _model;

    /// <summary>Creates the schedule; with <paramref name="startStep"/> 0 it prunes to the initial sparsity at once.</summary>
    /// <param name="model">The model to prune.</param>
    /// <param name="finalSparsity">s_f, the sparsity reached at step t₀ + nΔt, in [0, 1].</param>
    /// <param name="startStep">t₀ ≥ 0, the first pruning step.</param>
    /// <param name="pruningSteps">n ≥ 1: the schedule has n + 1 pruning steps, the last at t₀ + nΔt.</param>
    /// <param name="frequency">Δt ≥ 1, the number of training steps between pruning steps.</param>
    /// <param name="initialSparsity">s_i, the sparsity at step t₀, in [0, s_f].</param>
    /// <param name="scope">Per weight tensor or one global threshold (see <see cref="PruningScope"/>).</param>
    /// <param name="include">The prunable parameters, as <see cref="Prune.Magnitude"/> takes them.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public GradualPruning(IModel model, double finalSparsity, int startStep, int pruningSteps, int frequency,
        double initialSparsity = 0, PruningScope scope = PruningScope.PerLayer, Func<Parameter, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        MagnitudeRanking.RequireFraction(finalSparsity, nameof(finalSparsity));
        MagnitudeRanking.RequireFraction(initialSparsity, nameof(initialSparsity));
        if (initialSparsity > finalSparsity)
        {
            throw new ArgumentOutOfRangeException(nameof(initialSparsity), initialSparsity, "The initial sparsity must not exceed the final one.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(startStep);
        ArgumentOutOfRangeException.ThrowIfLessThan(pruningSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(frequency, 1);
        _model = model;
        FinalSparsity = finalSparsity;
        InitialSparsity = initialSparsity;
        StartStep = startStep;
        PruningSteps = pruningSteps;
        Frequency = frequency;
        Scope = scope;
        Include = include;
        Apply(0);
    }

    /// <summary>s_f.</summary>
    public double FinalSparsity { get; }

    /// <summary>s_i.</summary>
    public double InitialSparsity { get; }

    /// <summary>t₀.</summary>
    public int StartStep { get; }

    /// <summary>n: pruning happens n + 1 times.</summary>
    public int PruningSteps { get; }

    /// <summary>Δt.</summary>
    public int Frequency { get; }

    /// <summary>The scope of each magnitude pruning.</summary>
    public PruningScope Scope { get; }

    /// <summary>The prunable-parameter filter, or null for the default (rank ≥ 2).</summary>
    public Func<Parameter, bool>? Include { get; }

    /// <summary>The last step, t₀ + nΔt, after which the sparsity stays at s_f.</summary>
    public int EndStep => StartStep + PruningSteps * Frequency;

    /// <summary>How many times <see cref="Step"/> was called: the current step t.</summary>
    public int StepsTaken { get; private set; }

    /// <summary>Whether <paramref name="step"/> is one of t₀, t₀ + Δt, …, t₀ + nΔt.</summary>
    public bool IsPruningStep(int step) => step >= StartStep && step <= EndStep && (step - StartStep) % Frequency == 0;

    /// <summary>
    /// The target sparsity in force at <paramref name="step"/>: 0 before t₀, the formula at the latest pruning step
    /// at or before it, and s_f from t₀ + nΔt on.
    /// </summary>
    public double SparsityAt(int step)
    {
        if (step < StartStep) return 0;
        if (step >= EndStep) return FinalSparsity;
        int lastPruning = StartStep + (step - StartStep) / Frequency * Frequency;
        double progress = (double)(lastPruning - StartStep) / (PruningSteps * Frequency);
        double remaining = 1 - progress;
        return FinalSparsity + (InitialSparsity - FinalSparsity) * remaining * remaining * remaining;
    }

    /// <summary>Advances to the next step and prunes if it is a pruning step. Returns whether it pruned.</summary>
    public bool Step() => Apply(++StepsTaken);

    private bool Apply(int step)
    {
        if (!IsPruningStep(step)) return false;
        Prune.Magnitude(_model, SparsityAt(step), Scope, Include);
        return true;
    }
}
