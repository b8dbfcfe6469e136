using System.Numerics;

namespace ModelGen.Optim;

/// <summary>
/// Lion, "EvoLved Sign Momentum" (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2),
/// with decoupled weight decay, per parameter θ with gradient g:
/// <code>
/// θ ← θ·(1 − γλ)
/// c ← β₁m + (1 − β₁)g
/// θ ← θ − γ·sign(c)                           (sign(0) = 0)
/// m ← β₂m + (1 − β₂)g
/// </code>
/// The update has unit size per element, so Lion wants a learning rate some 3-10× below AdamW's and a decay
/// as much larger. State: <c>exp_avg</c> (m), <c>step</c>.
/// </summary>
public sealed class Lion : Optimizer
{
    /// <summary>Creates the optimizer and its momentum buffers, one group.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="beta1">The interpolation β₁ ∈ [0, 1) between momentum and gradient for the update's sign.</param>
    /// <param name="beta2">The decay β₂ ∈ [0, 1) of the momentum.</param>
    /// <param name="weightDecay">The decoupled decay λ ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid.</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Lion(IEnumerable<Parameter> parameters, double lr = 1e-4, double beta1 = 0.9, double beta2 = 0.99, double weightDecay = 0)
        : this(SingleGroup(parameters), lr, beta1, beta2, weightDecay)
    {
    }

    /// <summary>Creates the optimizer over parameter groups, each with an optional lr and weight decay of its own.</summary>
    /// <param name="groups">The parameter groups; the other arguments are the defaults of groups that do not override them.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="beta1">The interpolation β₁ ∈ [0, 1) between momentum and gradient for the update's sign.</param>
    /// <param name="beta2">The decay β₂ ∈ [0, 1) of the momentum.</param>
    /// <param name="weightDecay">The decoupled decay λ ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid.</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Lion(IEnumerable<ParamGroup> groups, double lr = 1e-4, double beta1 = 0.9, double beta2 = 0.99, double weightDecay = 0)
        : base(groups, lr, weightDecay, "exp_avg")
    {
        OptimizerParameters.RequireBeta(beta1, nameof(beta1), 0);
        OptimizerParameters.RequireBeta(beta2, nameof(beta2), 1);
        Beta1 = beta1;
        Beta2 = beta2;
    }

    /// <summary>The interpolation β₁ of the update's sign.</summary>
    public double Beta1 { get; }

    /// <summary>The decay β₂ of the momentum.</summary>
    public double Beta2 { get; }

    private protected override void Update(int index, Tensor value, Tensor grad, OptimizerGroup group, long step)
    {
        if (value.DType == DType.Float32) Update<float>(value, grad, State(0, index), group);
        else Update<double>(value, grad, State(0, index), group);
    }

    private void Update<T>(Tensor value, Tensor gradient, Tensor momentum, OptimizerGroup group) where T : IFloatingPointIeee754<T>
    {
        Span<T> theta = value.Data<T>();
        ReadOnlySpan<T> grad = gradient.Data<T>();
        Span<T> m = momentum.Data<T>();
        T lr = T.CreateTruncating(group.LearningRate), shrink = T.CreateTruncating(1 - group.LearningRate * group.WeightDecay);
        T beta1 = T.CreateTruncating(Beta1), oneMinusBeta1 = T.CreateTruncating(1 - Beta1);
        T beta2 = T.CreateTruncating(Beta2), oneMinusBeta2 = T.CreateTruncating(1 - Beta2);
        bool hasDecay = group.WeightDecay != 0;
        for (int j = 0; j < theta.Length; j++)
        {
            T g = grad[j];
            T p = hasDecay ? theta[j] * shrink : theta[j];
            T c = beta1 * m[j] + oneMinusBeta1 * g;
            theta[j] = p - lr * T.CreateTruncating(T.Sign(c));
            m[j] = beta2 * m[j] + oneMinusBeta2 * g;
        }
    }
}
