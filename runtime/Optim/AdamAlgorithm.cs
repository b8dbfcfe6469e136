using System.Numerics;
using System.Runtime.CompilerServices;

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
        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, step);
        var c = new AdamConstants<T>
        {
            StepSize = T.CreateTruncating(LearningRate / biasCorrection1),
            BiasCorrection2Sqrt = T.CreateTruncating(Math.Sqrt(biasCorrection2)),
            Beta1 = T.CreateTruncating(Beta1),
            OneMinusBeta1 = T.CreateTruncating(1 - Beta1),
            Beta2 = T.CreateTruncating(Beta2),
            OneMinusBeta2 = T.CreateTruncating(1 - Beta2),
            Eps = T.CreateTruncating(Epsilon),
            L2 = T.CreateTruncating(_decoupledDecay ? 0 : WeightDecay),
            Shrink = T.CreateTruncating(_decoupledDecay ? 1 - LearningRate * WeightDecay : 1),
            HasL2 = !_decoupledDecay && WeightDecay != 0,
            HasShrink = _decoupledDecay && WeightDecay != 0,
        };
        if (typeof(T) == typeof(float) && AdamThreading.Shares(value.Length))
        {
            AdamThreading.Update(value.Data<float>(), gradient.Data<float>(), firstMoment.Data<float>(), secondMoment.Data<float>(),
                Unsafe.As<AdamConstants<T>, AdamConstants<float>>(ref c));
            return;
        }
        UpdateRange(value.Data<T>(), gradient.Data<T>(), firstMoment.Data<T>(), secondMoment.Data<T>(), in c);
    }

    /// <summary>The update of elements [0, theta.Length): every element on its own, so any split gives the same bits.</summary>
    internal static void UpdateRange<T>(Span<T> theta, ReadOnlySpan<T> grad, Span<T> m, Span<T> v, in AdamConstants<T> c)
        where T : IFloatingPointIeee754<T>
    {
        // Vector<T> lanes run the same IEEE operations in the same order as the scalar tail, so results are
        // identical whichever path an element takes.
        int j = 0;
        if (Vector.IsHardwareAccelerated && theta.Length >= Vector<T>.Count)
        {
            Vector<T> vBeta1 = new(c.Beta1), vOneMinusBeta1 = new(c.OneMinusBeta1), vBeta2 = new(c.Beta2), vOneMinusBeta2 = new(c.OneMinusBeta2);
            Vector<T> vStep = new(c.StepSize), vCorrection = new(c.BiasCorrection2Sqrt), vEps = new(c.Eps), vL2 = new(c.L2), vShrink = new(c.Shrink);
            for (; j <= theta.Length - Vector<T>.Count; j += Vector<T>.Count)
            {
                var p = new Vector<T>(theta.Slice(j));
                var g = new Vector<T>(grad.Slice(j));
                if (c.HasShrink) p *= vShrink;
                if (c.HasL2) g += vL2 * p;
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
            if (c.HasShrink) p *= c.Shrink;
            if (c.HasL2) g += c.L2 * p;
            T mj = c.Beta1 * m[j] + c.OneMinusBeta1 * g;
            T vj = c.Beta2 * v[j] + c.OneMinusBeta2 * g * g;
            m[j] = mj;
            v[j] = vj;
            T denominator = T.Sqrt(vj) / c.BiasCorrection2Sqrt + c.Eps;
            theta[j] = p - c.StepSize * (mj / denominator);
        }
    }
}

/// <summary>One Adam step's scalars, in the parameter's dtype.</summary>
internal struct AdamConstants<T>
{
    public T StepSize, BiasCorrection2Sqrt, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, Eps, L2, Shrink;
    public bool HasL2, HasShrink;
}
