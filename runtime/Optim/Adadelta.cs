using System.Numerics;

namespace ModelGen.Optim;

/// <summary>
/// Adadelta as <c>torch.optim.Adadelta</c> defines it (Zeiler 2012), per parameter θ with gradient g:
/// <code>
/// g ← g + λθ                                  (weight decay λ ≠ 0)
/// v ← ρv + (1 − ρ)g²
/// Δ ← g·√(u + ε) / √(v + ε)
/// u ← ρu + (1 − ρ)Δ²
/// θ ← θ − γΔ
/// </code>
/// State (torch's names): <c>square_avg</c> (v), <c>acc_delta</c> (u), <c>step</c>.
/// </summary>
public sealed class Adadelta : Optimizer
{
    /// <summary>Creates the optimizer and its buffers, one group.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">The coefficient γ ≥ 0 that scales Δ before it is applied.</param>
    /// <param name="rho">The decay ρ ∈ [0, 1] of both running averages.</param>
    /// <param name="eps">The ε ≥ 0 added inside both square roots.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0, added to the gradient.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Adadelta(IEnumerable<Parameter> parameters, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0)
        : this(SingleGroup(parameters), lr, rho, eps, weightDecay)
    {
    }

    /// <summary>Creates the optimizer over parameter groups, each with an optional lr and weight decay of its own.</summary>
    /// <param name="groups">The parameter groups; the other arguments are the defaults of groups that do not override them.</param>
    /// <param name="lr">The coefficient γ ≥ 0 that scales Δ before it is applied.</param>
    /// <param name="rho">The decay ρ ∈ [0, 1] of both running averages.</param>
    /// <param name="eps">The ε ≥ 0 added inside both square roots.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0, added to the gradient.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Adadelta(IEnumerable<ParamGroup> groups, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0)
        : base(groups, lr, weightDecay, "square_avg", "acc_delta")
    {
        OptimizerParameters.RequireUnitInterval(rho, nameof(rho), "rho value");
        OptimizerParameters.RequireNonNegative(eps, nameof(eps), "epsilon value");
        Rho = rho;
        Epsilon = eps;
    }

    /// <summary>The decay ρ of the running averages.</summary>
    public double Rho { get; }

    /// <summary>The ε added inside the square roots.</summary>
    public double Epsilon { get; }

    private protected override void Update(int index, Tensor value, Tensor grad, OptimizerGroup group, long step)
    {
        if (value.DType == DType.Float32) Update<float>(value, grad, State(0, index), State(1, index), group);
        else Update<double>(value, grad, State(0, index), State(1, index), group);
    }

    private void Update<T>(Tensor value, Tensor gradient, Tensor squareAverage, Tensor deltaAverage, OptimizerGroup group)
        where T : IFloatingPointIeee754<T>
    {
        Span<T> theta = value.Data<T>();
        ReadOnlySpan<T> grad = gradient.Data<T>();
        Span<T> squareAvg = squareAverage.Data<T>(), accDelta = deltaAverage.Data<T>();
        T lr = T.CreateTruncating(group.LearningRate), decay = T.CreateTruncating(group.WeightDecay);
        T rho = T.CreateTruncating(Rho), oneMinusRho = T.CreateTruncating(1 - Rho), eps = T.CreateTruncating(Epsilon);
        bool hasDecay = group.WeightDecay != 0;
        for (int j = 0; j < theta.Length; j++)
        {
            T g = grad[j];
            if (hasDecay) g += decay * theta[j];
            T v = rho * squareAvg[j] + oneMinusRho * g * g;
            squareAvg[j] = v;
            T delta = T.Sqrt(accDelta[j] + eps) / T.Sqrt(v + eps) * g;
            accDelta[j] = rho * accDelta[j] + oneMinusRho * delta * delta;
            theta[j] -= lr * delta;
        }
    }
}
