namespace ModelGen.Optim;

/// <summary>
/// AdamW as <c>torch.optim.AdamW</c> defines it: Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019),
/// applied to the parameter before the Adam update instead of being added to the gradient. Per parameter θ with
/// gradient g at step t:
/// <code>
/// θ ← θ − γλθ
/// m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²
/// m̂ ← m / (1 − β₁ᵗ)
/// v̂ ← v / (1 − β₂ᵗ), or with amsgrad: v̂max ← max(v̂max, v), v̂ ← v̂max / (1 − β₂ᵗ)
/// θ ← θ − γ·m̂ / (√v̂ + ε)
/// </code>
/// State (torch's names): <c>exp_avg</c>, <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c> (with amsgrad), <c>step</c>.
/// </summary>
public sealed class AdamW : Optimizer
{
    /// <summary>Creates the optimizer and its moment buffers (zeros of each parameter's shape), one group.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="beta1">The decay rate β₁ ∈ [0, 1) of the first moment.</param>
    /// <param name="beta2">The decay rate β₂ ∈ [0, 1) of the second moment.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <param name="weightDecay">The decoupled decay λ ≥ 0 (PyTorch's default 0.01).</param>
    /// <param name="amsgrad">Use the running maximum of the second moment in the denominator (Reddi et al. 2018), as torch's <c>amsgrad=True</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01, bool amsgrad = false)
        : this(SingleGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad)
    {
    }

    /// <summary>Creates the optimizer over parameter groups, each with an optional lr and weight decay of its own.</summary>
    /// <param name="groups">The parameter groups; the other arguments are the defaults of groups that do not override them.</param>
    /// <param name="lr">The learning rate γ ≥ 0.</param>
    /// <param name="beta1">The decay rate β₁ ∈ [0, 1) of the first moment.</param>
    /// <param name="beta2">The decay rate β₂ ∈ [0, 1) of the second moment.</param>
    /// <param name="eps">The ε ≥ 0 added to the denominator.</param>
    /// <param name="weightDecay">The decoupled decay λ ≥ 0 (PyTorch's default 0.01).</param>
    /// <param name="amsgrad">Use the running maximum of the second moment in the denominator (Reddi et al. 2018), as torch's <c>amsgrad=True</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is invalid (PyTorch's message).</exception>
    /// <exception cref="ArgumentException">The parameter list is empty.</exception>
    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double eps = 1e-8, double weightDecay = 0.01, bool amsgrad = false)
        : base(groups, lr, weightDecay, AdamAlgorithm.StateNames(amsgrad))
    {
        AdamAlgorithm.Validate(beta1, beta2, eps);
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = eps;
        AmsGrad = amsgrad;
    }

    /// <summary>The decay rate β₁ of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>The decay rate β₂ of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>The ε added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>Whether the denominator uses the running maximum of the second moment.</summary>
    public bool AmsGrad { get; }

    /// <summary>The first group's weight decay λ.</summary>
    public double WeightDecay => ParamGroups[0].WeightDecay;

    private protected override void Update(int index, Tensor value, Tensor grad, OptimizerGroup group, long step) =>
        AdamAlgorithm.Update(value, grad, State(0, index), State(1, index), AmsGrad ? State(2, index) : null, step,
            group.LearningRate, group.WeightDecay, Beta1, Beta2, Epsilon, decoupledDecay: true);
}
