namespace ModelGen.Optim;

/// <summary>
/// One live parameter group of an optimizer, as an entry of torch's <c>optimizer.param_groups</c>: its
/// parameters and the hyper-parameters a schedule or the user may change between steps.
/// </summary>
public sealed class OptimizerGroup
{
    private double _learningRate;
    private double _weightDecay;

    internal OptimizerGroup(Parameter[] parameters, double learningRate, double weightDecay)
    {
        Parameters = parameters;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        ConstructionLearningRate = learningRate;
    }

    /// <summary>The group's parameters, in the order the optimizer numbers them.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The group's learning rate γ (torch's <c>group["lr"]</c>), read by the next step.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or NaN.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            OptimizerParameters.RequireNonNegative(value, nameof(value), "learning rate");
            _learningRate = value;
        }
    }

    /// <summary>The group's weight decay λ (torch's <c>group["weight_decay"]</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or NaN.</exception>
    public double WeightDecay
    {
        get => _weightDecay;
        set
        {
            OptimizerParameters.RequireNonNegative(value, nameof(value), "weight_decay value");
            _weightDecay = value;
        }
    }

    /// <summary>
    /// torch's <c>group["initial_lr"]</c>: null until the first schedule attached to the optimizer records the
    /// group's learning rate at that moment (<see cref="OneCycleLR"/> sets its own). Schedules scale from it.
    /// </summary>
    public double? InitialLearningRate { get; set; }

    /// <summary>The learning rate given at construction: fixes the ratios <see cref="IOptimizer.LearningRate"/> keeps.</summary>
    internal double ConstructionLearningRate { get; }
}
