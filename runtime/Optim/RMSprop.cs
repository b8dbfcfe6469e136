using System.Numerics;

namespace ModelGen.Optim;

/// <summary>
/// RMSprop as <c>torch.optim.RMSprop</c> defines it (Hinton's lecture 6e; centered as Graves 2013), per parameter
/// θ with gradient g:
/// <code>
/// g ← g + λθ                                  (weight decay λ ≠ 0)
/// v ← αv + (1 − α)g²
/// ḡ ← αḡ + (1 − α)g;  ṽ ← v − ḡ²             (centered; otherwise ṽ ← v)
/// b ← μb + g / (√ṽ + ε);  θ ← θ − γb          (momentum μ &gt; 0)
/// θ ← θ − γ·g / (√ṽ + ε)                      (μ = 0)
/// </code>
/// State (torch's names): <c>square_avg</c> (v), <c>momentum_buffer</c> (b, when μ &gt; 0), <c>grad_avg</c>
/// (ḡ, when centered), <c>step</c>.
/// </summary>
public sealed class RMSprop : Optimizer
{
    private readonly int _momentumSlot, _gradAvgSlot; // -1 when absent

    /// <summary>Creates the optimizer and its buffers, one group.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="alpha">The smoothing constant α ≥ 0 of the squared-gradient average.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0, added to the gradient.</param>
    /// <param name="momentum">The momentum factor μ ≥ 0.</param>
    /// <param name="centered">Normalise by the estimated variance of the gradient instead of its second moment.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public RMSprop(IEnumerable<Parameter> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : this(SingleGroup(parameters), lr, alpha, eps, weightDecay, momentum, centered)
    {
    }

    /// <summary>Creates the optimizer over parameter groups, each with an optional lr and weight decay of its own.</summary>
    /// <param name="groups">The parameter groups; the other arguments are the defaults of groups that do not override them.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="alpha">The smoothing constant α ≥ 0 of the squared-gradient average.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0, added to the gradient.</param>
    /// <param name="momentum">The momentum factor μ ≥ 0.</param>
    /// <param name="centered">Normalise by the estimated variance of the gradient instead of its second moment.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public RMSprop(IEnumerable<ParamGroup> groups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : base(groups, lr, weightDecay, StateNames(momentum, centered))
    {
        OptimizerParameters.RequireNonNegative(eps, nameof(eps), "epsilon value");
        OptimizerParameters.RequireNonNegative(momentum, nameof(momentum), "momentum value");
        OptimizerParameters.RequireNonNegative(alpha, nameof(alpha), "alpha value");
        Alpha = alpha;
        Epsilon = eps;
        Momentum = momentum;
        Centered = centered;
        _momentumSlot = momentum > 0 ? 1 : -1;
        _gradAvgSlot = centered ? (momentum > 0 ? 2 : 1) : -1;
    }

    /// <summary>The smoothing constant α.</summary>
    public double Alpha { get; }

    /// <summary>The ε added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>The momentum factor μ.</summary>
    public double Momentum { get; }

    /// <summary>Whether the gradient's variance (not its second moment) normalises the step.</summary>
    public bool Centered { get; }

    private static string[] StateNames(double momentum, bool centered) => (momentum > 0, centered) switch
    {
        (true, true) => ["square_avg", "momentum_buffer", "grad_avg"],
        (true, false) => ["square_avg", "momentum_buffer"],
        (false, true) => ["square_avg", "grad_avg"],
        _ => ["square_avg"],
    };

    private protected override void Update(int index, Tensor value, Tensor grad, OptimizerGroup group, long step)
    {
        if (value.DType == DType.Float32) Update<float>(index, value, grad, group);
        else Update<double>(index, value, grad, group);
    }

    private void Update<T>(int index, Tensor value, Tensor gradient, OptimizerGroup group) where T : IFloatingPointIeee754<T>
    {
        Span<T> theta = value.Data<T>();
        ReadOnlySpan<T> grad = gradient.Data<T>();
        Span<T> squareAvg = State(0, index).Data<T>();
        Span<T> buffer = _momentumSlot >= 0 ? State(_momentumSlot, index).Data<T>() : default;
        Span<T> gradAvg = _gradAvgSlot >= 0 ? State(_gradAvgSlot, index).Data<T>() : default;
        T lr = T.CreateTruncating(group.LearningRate), decay = T.CreateTruncating(group.WeightDecay);
        T alpha = T.CreateTruncating(Alpha), oneMinusAlpha = T.CreateTruncating(1 - Alpha);
        T eps = T.CreateTruncating(Epsilon), mu = T.CreateTruncating(Momentum);
        bool hasDecay = group.WeightDecay != 0, hasMomentum = _momentumSlot >= 0;
        for (int j = 0; j < theta.Length; j++)
        {
            T g = grad[j];
            if (hasDecay) g += decay * theta[j];
            T v = alpha * squareAvg[j] + oneMinusAlpha * g * g;
            squareAvg[j] = v;
            if (Centered)
            {
                // torch's lerp: ḡ + (1 − α)(g − ḡ)
                T mean = gradAvg[j] + oneMinusAlpha * (g - gradAvg[j]);
                gradAvg[j] = mean;
                v -= mean * mean;
            }
            T denominator = T.Sqrt(v) + eps;
            if (hasMomentum)
            {
                T b = mu * buffer[j] + g / denominator;
                buffer[j] = b;
                theta[j] -= lr * b;
            }
            else
            {
                theta[j] -= lr * (g / denominator);
            }
        }
    }
}
