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
/// Arithmetic runs in the parameter's dtype, with the hyper-parameters converted to it.
/// </summary>
public sealed class Sgd : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _momentumBuffers; // empty when momentum is 0
    private readonly bool[] _bufferStarted;
    private double _learningRate;

    /// <summary>Creates the optimizer and its momentum buffers.</summary>
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
    {
        OptimizerParameters.RequireNonNegative(lr, nameof(lr), "learning rate");
        OptimizerParameters.RequireNonNegative(momentum, nameof(momentum), "momentum value");
        OptimizerParameters.RequireNonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        if (nesterov && (momentum <= 0 || dampening != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(nesterov), "Nesterov momentum requires a momentum and zero dampening");
        }
        _parameters = OptimizerParameters.Collect(parameters);
        _learningRate = lr;
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
        Dampening = dampening;
        _momentumBuffers = momentum != 0 ? OptimizerParameters.ZerosLike(_parameters) : [];
        _bufferStarted = new bool[_momentumBuffers.Length];
    }

    /// <inheritdoc/>
    public float LearningRate
    {
        get => (float)_learningRate;
        set
        {
            OptimizerParameters.RequireNonNegative(value, nameof(value), "learning rate");
            _learningRate = value;
        }
    }

    /// <summary>The momentum factor μ.</summary>
    public double Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>The L2 penalty λ added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <summary>The dampening τ of the momentum update.</summary>
    public double Dampening { get; }

    /// <inheritdoc/>
    public void Step()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter parameter = _parameters[i];
            Tensor value = parameter.Value;
            Tensor? grad = value.Grad;
            if (grad is null) continue;
            parameter.ZeroPruned(grad);
            Tensor? buffer = null;
            bool first = false;
            if (_momentumBuffers.Length > 0)
            {
                buffer = _momentumBuffers[i];
                OptimizerParameters.MatchDType(buffer, value);
                first = !_bufferStarted[i];
                _bufferStarted[i] = true;
            }
            if (value.DType == DType.Float32) Update<float>(value, grad, buffer, first);
            else Update<double>(value, grad, buffer, first);
            // Pruned weights stay exactly zero, and so does their momentum, which would otherwise revive them.
            parameter.ZeroPruned(value);
            if (buffer is not null) parameter.ZeroPruned(buffer);
        }
    }

    /// <inheritdoc/>
    public void ZeroGrad() => OptimizerParameters.ZeroGrad(_parameters);

    private void Update<T>(Tensor value, Tensor gradient, Tensor? buffer, bool first) where T : IFloatingPointIeee754<T>
    {
        Span<T> theta = value.Data<T>();
        ReadOnlySpan<T> grad = gradient.Data<T>();
        Span<T> momentumBuffer = buffer is null ? default : buffer.Data<T>();
        T lr = T.CreateTruncating(_learningRate);
        T decay = T.CreateTruncating(WeightDecay);
        T mu = T.CreateTruncating(Momentum);
        T keep = T.CreateTruncating(1 - Dampening);
        bool hasDecay = WeightDecay != 0, hasMomentum = buffer is not null;
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
