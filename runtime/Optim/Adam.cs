namespace ModelGen.Optim;

/// <summary>
/// Adam as <c>torch.optim.Adam</c> defines it (without amsgrad): bias-corrected moment estimates, and weight
/// decay as an L2 term added to the gradient (g ← g + λθ). For decay applied to the weights directly, use
/// <see cref="AdamW"/>.
/// </summary>
public sealed class Adam : IOptimizer
{
    private readonly AdamAlgorithm _algorithm;

    /// <summary>Creates the optimizer and its moment buffers (zeros of each parameter's shape).</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="beta1">The decay rate β₁ ∈ [0, 1) of the first moment.</param>
    /// <param name="beta2">The decay rate β₂ ∈ [0, 1) of the second moment.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <param name="weightDecay">The L2 penalty λ ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0)
        => _algorithm = new AdamAlgorithm(parameters, lr, beta1, beta2, eps, weightDecay, decoupledDecay: false);

    /// <inheritdoc/>
    public float LearningRate
    {
        get => (float)_algorithm.LearningRate;
        set => _algorithm.SetLearningRate(value);
    }

    /// <summary>The decay rate β₁ of the first moment.</summary>
    public double Beta1 => _algorithm.Beta1;

    /// <summary>The decay rate β₂ of the second moment.</summary>
    public double Beta2 => _algorithm.Beta2;

    /// <summary>The ε added to the denominator.</summary>
    public double Epsilon => _algorithm.Epsilon;

    /// <summary>The L2 penalty λ added to the gradient.</summary>
    public double WeightDecay => _algorithm.WeightDecay;

    /// <inheritdoc/>
    public void Step() => _algorithm.Step();

    /// <inheritdoc/>
    public void ZeroGrad() => _algorithm.ZeroGrad();
}
