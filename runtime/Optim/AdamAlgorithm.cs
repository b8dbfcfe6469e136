using System.Numerics;

namespace ModelGen.Optim;

/// <summary>
/// The update shared by <see cref="Adam"/> and <see cref="AdamW"/>, which differ only in where the weight decay
/// enters: added to the gradient (L2, Adam) or applied to the parameter directly (decoupled, AdamW).
/// Follows torch.optim's single-tensor implementation, per parameter θ with gradient g and step t:
/// <code>
/// θ ← θ·(1 − γλ)                       (AdamW)     g ← g + λθ   (Adam)
/// m ← β₁m + (1 − β₁)g
/// v ← β₂v + (1 − β₂)g²
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// The bias corrections are computed in float64, as Python computes them; the elementwise update runs in the
/// parameter's dtype.
/// </summary>
internal sealed class AdamAlgorithm
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _firstMoments;
    private readonly Tensor[] _secondMoments;
    private readonly int[] _steps;
    private readonly bool _decoupledDecay;

    public AdamAlgorithm(IEnumerable<Parameter> parameters, double lr, double beta1, double beta2, double eps,
        double weightDecay, bool decoupledDecay)
    {
        OptimizerParameters.RequireNonNegative(lr, nameof(lr), "learning rate");
        OptimizerParameters.RequireNonNegative(eps, nameof(eps), "epsilon value");
        OptimizerParameters.RequireBeta(beta1, nameof(beta1), 0);
        OptimizerParameters.RequireBeta(beta2, nameof(beta2), 1);
        OptimizerParameters.RequireNonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        _parameters = OptimizerParameters.Collect(parameters);
        LearningRate = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = eps;
        WeightDecay = weightDecay;
        _decoupledDecay = decoupledDecay;
        _firstMoments = OptimizerParameters.ZerosLike(_parameters);
        _secondMoments = OptimizerParameters.ZerosLike(_parameters);
        _steps = new int[_parameters.Length];
    }

    public double LearningRate { get; private set; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    public double WeightDecay { get; }

    public void SetLearningRate(double value)
    {
        OptimizerParameters.RequireNonNegative(value, nameof(value), "learning rate");
        LearningRate = value;
    }

    public void Step()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter parameter = _parameters[i];
            Tensor value = parameter.Value;
            Tensor? grad = value.Grad;
            if (grad is null) continue;
            parameter.ZeroPruned(grad);
            OptimizerParameters.MatchDType(_firstMoments[i], value);
            OptimizerParameters.MatchDType(_secondMoments[i], value);
            int step = ++_steps[i];
            if (value.DType == DType.Float32) Update<float>(value, grad, _firstMoments[i], _secondMoments[i], step);
            else Update<double>(value, grad, _firstMoments[i], _secondMoments[i], step);
            // Pruned weights stay exactly zero, and so do their moments, which would otherwise revive them.
            parameter.ZeroPruned(value);
            parameter.ZeroPruned(_firstMoments[i]);
            parameter.ZeroPruned(_secondMoments[i]);
        }
    }

    public void ZeroGrad() => OptimizerParameters.ZeroGrad(_parameters);

    private void Update<T>(Tensor value, Tensor gradient, Tensor firstMoment, Tensor secondMoment, int step)
        where T : IFloatingPointIeee754<T>
    {
        Span<T> theta = value.Data<T>();
        ReadOnlySpan<T> grad = gradient.Data<T>();
        Span<T> m = firstMoment.Data<T>();
        Span<T> v = secondMoment.Data<T>();

        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, step);
        T stepSize = T.CreateTruncating(LearningRate / biasCorrection1);
        T biasCorrection2Sqrt = T.CreateTruncating(Math.Sqrt(biasCorrection2));
        T beta1 = T.CreateTruncating(Beta1), oneMinusBeta1 = T.CreateTruncating(1 - Beta1);
        T beta2 = T.CreateTruncating(Beta2), oneMinusBeta2 = T.CreateTruncating(1 - Beta2);
        T eps = T.CreateTruncating(Epsilon);
        T l2 = T.CreateTruncating(_decoupledDecay ? 0 : WeightDecay);
        T shrink = T.CreateTruncating(_decoupledDecay ? 1 - LearningRate * WeightDecay : 1);
        bool hasL2 = !_decoupledDecay && WeightDecay != 0;
        bool hasShrink = _decoupledDecay && WeightDecay != 0;

        // Vector<T> lanes run the same IEEE operations in the same order as the scalar tail, so results are
        // identical whichever path an element takes.
        int j = 0;
        if (Vector.IsHardwareAccelerated && theta.Length >= Vector<T>.Count)
        {
            Vector<T> vBeta1 = new(beta1), vOneMinusBeta1 = new(oneMinusBeta1), vBeta2 = new(beta2), vOneMinusBeta2 = new(oneMinusBeta2);
            Vector<T> vStep = new(stepSize), vCorrection = new(biasCorrection2Sqrt), vEps = new(eps), vL2 = new(l2), vShrink = new(shrink);
            for (; j <= theta.Length - Vector<T>.Count; j += Vector<T>.Count)
            {
                var p = new Vector<T>(theta.Slice(j));
                var g = new Vector<T>(grad.Slice(j));
                if (hasShrink) p *= vShrink;
                if (hasL2) g += vL2 * p;
                Vector<T> mj = vBeta1 * new Vector<T>(m.Slice(j)) + vOneMinusBeta1 * g;
                Vector<T> vj = vBeta2 * new Vector<T>(v.Slice(j)) + vOneMinusBeta2 * g * g;
                mj.CopyTo(m.Slice(j));
                vj.CopyTo(v.Slice(j));
                Vector<T> denominator = Vector.SquareRoot(vj) / vCorrection + vEps;
                (p - vStep * (mj / denominator)).CopyTo(theta.Slice(j));
            }
        }
        for (; j < theta.Length; j++)
        {
            T p = theta[j];
            T g = grad[j];
            if (hasShrink) p *= shrink;
            if (hasL2) g += l2 * p;
            T mj = beta1 * m[j] + oneMinusBeta1 * g;
            T vj = beta2 * v[j] + oneMinusBeta2 * g * g;
            m[j] = mj;
            v[j] = vj;
            T denominator = T.Sqrt(vj) / biasCorrection2Sqrt + eps;
            theta[j] = p - stepSize * (mj / denominator);
        }
    }
}
