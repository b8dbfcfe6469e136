using System.Numerics;

namespace ModelGen.Optim;

/// <summary>
/// Stochastic gradient descent as <c>torch.optim.SGD</c> defines it, per parameter θ with gradient g:
/// <code>
/// g ← g + λ·θ                                  (weight decay λ ≠ 0)
/// b ← g on the first step, else μ·b + (1 − τ)·g   (momentum μ ≠ 0, dampening τ)
/// g ← g + μ·b if nesterov, else b              (μ ≠ 0)
/// θ ← θ − γ·g
/// </code>
/// Arithmetic runs in the parameter's dtype, with the hyper-parameters converted to it. State (torch's name):
/// <c>momentum_buffer</c> (b, only when μ ≠ 0), and a <c>step</c> count (torch's SGD keeps none; here it marks the
/// first step, on which b starts as g).
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates the optimizer and its momentum buffers, one group.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="momentum">The momentum factor μ ≥ 0.</param>
    /// <param name="nesterov">Use Nesterov momentum; needs μ &gt; 0 and τ = 0.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0, added to the gradient.</param>
    /// <param name="dampening">The dampening τ for momentum.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Sgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0, bool nesterov = false,
        double weightDecay = 0, double dampening = 0)
        : this(SingleGroup(parameters), lr, momentum, nesterov, weightDecay, dampening)
    {
    }

    /// <summary>Creates the optimizer over parameter groups, each with an optional lr and weight decay of its own.</summary>
    /// <param name="groups">The parameter groups; the other arguments are the defaults of groups that do not override them.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="momentum">The momentum factor μ ≥ 0.</param>
    /// <param name="nesterov">Use Nesterov momentum; needs μ &gt; 0 and τ = 0.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0, added to the gradient.</param>
    /// <param name="dampening">The dampening τ for momentum.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Sgd(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, bool nesterov = false,
        double weightDecay = 0, double dampening = 0)
        : base(groups, lr, weightDecay, momentum != 0 ? ["momentum_buffer"] : [])
    {
        OptimizerParameters.RequireNonNegative(momentum, nameof(momentum), "momentum value");
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(nesterov), "Nesterov momentum requires a momentum and zero dampening");
        }
        Momentum = momentum;
        Nesterov = nesterov;
        Dampening = dampening;
    }

    /// <summary>The momentum factor μ.</summary>
    public double Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>The first group's L2 penalty λ added to the gradient.</summary>
    public double WeightDecay => ParamGroups[0].WeightDecay;

    /// <summary>The dampening τ of the momentum update.</summary>
    public double Dampening { get; }

    private protected override void Update(int index, Tensor value, Tensor grad, OptimizerGroup group, long step)
    {
        Tensor? buffer = Momentum != 0 ? State(0, index) : null;
        if (value.DType == DType.Float32) Update<float>(value, grad, buffer, step == 1, group);
        else Update<double>(value, grad, buffer, step == 1, group);
    }

    private void Update<T>(Tensor value, Tensor gradient, Tensor? buffer, bool first, OptimizerGroup group) where T : IFloatingPointIeee754<T>
    {
        Span<T> theta = value.Data<T>();
        ReadOnlySpan<T> grad = gradient.Data<T>();
        Span<T> momentumBuffer = buffer is null ? default : buffer.Data<T>();
        T lr = T.CreateTruncating(group.LearningRate);
        T decay = T.CreateTruncating(group.WeightDecay);
        T mu = T.CreateTruncating(Momentum);
        T keep = T.CreateTruncating(1 - Dampening);
        bool hasDecay = group.WeightDecay != 0, hasMomentum = buffer is not null;
        for (int j = 0; j < theta.Length; j++)
        {
            T g = grad[j];
            if (hasDecay) g += decay * theta[j];
            if (hasMomentum)
            {
                T b = first ? g : mu * momentumBuffer[j] + keep * g;
                momentumBuffer[j] = b;
                g = Nesterov ? g + mu * b : b;
            }
            theta[j] -= lr * g;
        }
    }
}
