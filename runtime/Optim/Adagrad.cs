using System.Numerics;

namespace ModelGen.Optim;

/// <summary>
/// Adagrad as <c>torch.optim.Adagrad</c> defines it (Duchi et al. 2011), per parameter θ with gradient g at step t:
/// <code>
/// γ̃ ← γ / (1 + (t − 1)·η)                     (learning-rate decay η)
/// g ← g + λθ                                  (weight decay λ ≠ 0)
/// s ← s + g²                                  (s starts at the initial accumulator value)
/// θ ← θ − γ̃·g / (√s + ε)
/// </code>
/// State (torch's names): <c>sum</c> (s), <c>step</c>.
/// </summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Creates the optimizer and its accumulators, one group.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="lrDecay">The learning-rate decay η ≥ 0.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0, added to the gradient.</param>
    /// <param name="initialAccumulatorValue">The starting value ≥ 0 of every element of the sum of squares.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Adagrad(IEnumerable<Parameter> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10)
        : this(SingleGroup(parameters), lr, lrDecay, weightDecay, initialAccumulatorValue, eps)
    {
    }

    /// <summary>Creates the optimizer over parameter groups, each with an optional lr and weight decay of its own.</summary>
    /// <param name="groups">The parameter groups; the other arguments are the defaults of groups that do not override them.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="lrDecay">The learning-rate decay η ≥ 0.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0, added to the gradient.</param>
    /// <param name="initialAccumulatorValue">The starting value ≥ 0 of every element of the sum of squares.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Adagrad(IEnumerable<ParamGroup> groups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10)
        : base(groups, lr, weightDecay, "sum")
    {
        OptimizerParameters.RequireNonNegative(lrDecay, nameof(lrDecay), "lr_decay value");
        OptimizerParameters.RequireNonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue), "initial_accumulator_value value");
        OptimizerParameters.RequireNonNegative(eps, nameof(eps), "epsilon value");
        LrDecay = lrDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = eps;
        for (int i = 0; i < ParameterCount; i++)
        {
            Tensor sum = State(0, i);
            if (sum.DType == DType.Float32) sum.AsSpan().Fill((float)initialAccumulatorValue);
            else sum.AsSpanFloat64().Fill(initialAccumulatorValue);
        }
    }

    /// <summary>The learning-rate decay η.</summary>
    public double LrDecay { get; }

    /// <summary>The starting value of the sum of squares.</summary>
    public double InitialAccumulatorValue { get; }

    /// <summary>The ε added to the denominator.</summary>
    public double Epsilon { get; }

    private protected override void Update(int index, Tensor value, Tensor grad, OptimizerGroup group, long step)
    {
        double stepSize = group.LearningRate / (1 + (step - 1) * LrDecay);
        if (value.DType == DType.Float32) Update<float>(value, grad, State(0, index), stepSize, group.WeightDecay);
        else Update<double>(value, grad, State(0, index), stepSize, group.WeightDecay);
    }

    private void Update<T>(Tensor value, Tensor gradient, Tensor sumOfSquares, double stepSize, double weightDecay)
        where T : IFloatingPointIeee754<T>
    {
        Span<T> theta = value.Data<T>();
        ReadOnlySpan<T> grad = gradient.Data<T>();
        Span<T> sum = sumOfSquares.Data<T>();
        T clr = T.CreateTruncating(stepSize), decay = T.CreateTruncating(weightDecay), eps = T.CreateTruncating(Epsilon);
        bool hasDecay = weightDecay != 0;
        for (int j = 0; j < theta.Length; j++)
        {
            T g = grad[j];
            if (hasDecay) g += decay * theta[j];
            T s = sum[j] + g * g;
            sum[j] = s;
            theta[j] -= clr * (g / (T.Sqrt(s) + eps));
        }
    }
}
