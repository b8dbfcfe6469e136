using System.Numerics;

namespace ModelGen.Optim;

/// <summary>
/// LAMB, layer-wise adaptive moments (You et al. 2019, "Large Batch Optimization for Deep Learning", Algorithm 2),
/// with φ the identity, per parameter tensor θ (one "layer") with gradient g at step t:
/// <code>
/// m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²
/// r ← (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε) + λθ
/// q ← ‖θ‖ / ‖r‖, or 1 when either norm is 0     (the trust ratio)
/// θ ← θ − γ·q·r
/// </code>
/// The decay λ is decoupled (part of r, inside the trust ratio), as in the paper. The norms are accumulated in
/// float64. State: <c>exp_avg</c> (m), <c>exp_avg_sq</c> (v), <c>step</c>.
/// </summary>
public sealed class Lamb : Optimizer
{
    /// <summary>Creates the optimizer and its moment buffers, one group.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="beta1">The decay rate β₁ ∈ [0, 1) of the first moment.</param>
    /// <param name="beta2">The decay rate β₂ ∈ [0, 1) of the second moment.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <param name="weightDecay">The decoupled decay λ ≥ 0, added to the update before the trust ratio.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid.</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Lamb(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-6, double weightDecay = 0)
        : this(SingleGroup(parameters), lr, beta1, beta2, eps, weightDecay)
    {
    }

    /// <summary>Creates the optimizer over parameter groups, each with an optional lr and weight decay of its own.</summary>
    /// <param name="groups">The parameter groups; the other arguments are the defaults of groups that do not override them.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="beta1">The decay rate β₁ ∈ [0, 1) of the first moment.</param>
    /// <param name="beta2">The decay rate β₂ ∈ [0, 1) of the second moment.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <param name="weightDecay">The decoupled decay λ ≥ 0, added to the update before the trust ratio.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid.</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Lamb(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-6, double weightDecay = 0)
        : base(groups, lr, weightDecay, "exp_avg", "exp_avg_sq")
    {
        AdamAlgorithm.Validate(beta1, beta2, eps);
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = eps;
    }

    /// <summary>The decay rate β₁ of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>The decay rate β₂ of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>The ε added to the denominator.</summary>
    public double Epsilon { get; }

    private protected override void Update(int index, Tensor value, Tensor grad, OptimizerGroup group, long step)
    {
        if (value.DType == DType.Float32) Update<float>(value, grad, State(0, index), State(1, index), group, step);
        else Update<double>(value, grad, State(0, index), State(1, index), group, step);
    }

    private void Update<T>(Tensor value, Tensor gradient, Tensor firstMoment, Tensor secondMoment, OptimizerGroup group, long step)
        where T : IFloatingPointIeee754<T>
    {
        Span<T> theta = value.Data<T>();
        ReadOnlySpan<T> grad = gradient.Data<T>();
        Span<T> m = firstMoment.Data<T>(), v = secondMoment.Data<T>();
        T beta1 = T.CreateTruncating(Beta1), oneMinusBeta1 = T.CreateTruncating(1 - Beta1);
        T beta2 = T.CreateTruncating(Beta2), oneMinusBeta2 = T.CreateTruncating(1 - Beta2);
        T correction1 = T.CreateTruncating(1 - Math.Pow(Beta1, step)), correction2 = T.CreateTruncating(1 - Math.Pow(Beta2, step));
        T eps = T.CreateTruncating(Epsilon), decay = T.CreateTruncating(group.WeightDecay);

        // First pass: the moments, and the norms of θ and of r (r is recomputed in the second pass, not stored).
        double weightSquares = 0, updateSquares = 0;
        for (int j = 0; j < theta.Length; j++)
        {
            T g = grad[j];
            m[j] = beta1 * m[j] + oneMinusBeta1 * g;
            v[j] = beta2 * v[j] + oneMinusBeta2 * g * g;
            double r = double.CreateTruncating(Direction(theta[j], m[j], v[j], correction1, correction2, eps, decay));
            double w = double.CreateTruncating(theta[j]);
            weightSquares += w * w;
            updateSquares += r * r;
        }
        double weightNorm = Math.Sqrt(weightSquares), updateNorm = Math.Sqrt(updateSquares);
        double trustRatio = weightNorm > 0 && updateNorm > 0 ? weightNorm / updateNorm : 1;
        T stepSize = T.CreateTruncating(group.LearningRate * trustRatio);
        for (int j = 0; j < theta.Length; j++)
        {
            theta[j] -= stepSize * Direction(theta[j], m[j], v[j], correction1, correction2, eps, decay);
        }
    }

    /// <summary>r = m̂ / (√v̂ + ε) + λθ for one element.</summary>
    private static T Direction<T>(T theta, T m, T v, T correction1, T correction2, T eps, T decay) where T : IFloatingPointIeee754<T>
        => m / correction1 / (T.Sqrt(v / correction2) + eps) + decay * theta;
}
