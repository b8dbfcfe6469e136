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
/// v̂max ← max(v̂max, v)                  (amsgrad; the denominator then reads v̂max instead of v)
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// The bias corrections are computed in float64, as Python computes them; the elementwise update runs in the
/// parameter's dtype.
/// </summary>
internal static class AdamAlgorithm
{
    /// <summary>Torch's state names: the moments, and the running maximum of the second moment with amsgrad.</summary>
    public static string[] StateNames(bool amsgrad) => amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"];

    /// <summary>Checks the hyper-parameters that the base optimizer does not (it checks lr and weight decay).</summary>
    public static void Validate(double beta1, double beta2, double eps)
    {
        OptimizerParameters.RequireNonNegative(eps, nameof(eps), "epsilon value");
        OptimizerParameters.RequireBeta(beta1, nameof(beta1), 0);
        OptimizerParameters.RequireBeta(beta2, nameof(beta2), 1);
    }

    /// <summary>One step of one parameter; <paramref name="maxSecondMoment"/> is null without amsgrad.</summary>
    public static void Update(Tensor value, Tensor gradient, Tensor firstMoment, Tensor secondMoment, Tensor? maxSecondMoment,
        long step, double lr, double weightDecay, double beta1, double beta2, double eps, bool decoupledDecay)
    {
        if (value.DType == DType.Float32) Update<float>(value, gradient, firstMoment, secondMoment, maxSecondMoment, step, lr, weightDecay, beta1, beta2, eps, decoupledDecay);
        else Update<double>(value, gradient, firstMoment, secondMoment, maxSecondMoment, step, lr, weightDecay, beta1, beta2, eps, decoupledDecay);
    }

    private static void Update<T>(Tensor value, Tensor gradient, Tensor firstMoment, Tensor secondMoment, Tensor? maxSecondMoment,
        long step, double lr, double weightDecay, double beta1, double beta2, double eps, bool decoupledDecay)
        where T : IFloatingPointIeee754<T>
    {
        double biasCorrection1 = 1 - Math.Pow(beta1, step);
        double biasCorrection2 = 1 - Math.Pow(beta2, step);
        var c = new AdamConstants<T>
        {
            StepSize = T.CreateTruncating(lr / biasCorrection1),
            BiasCorrection2Sqrt = T.CreateTruncating(Math.Sqrt(biasCorrection2)),
            Beta1 = T.CreateTruncating(beta1),
            OneMinusBeta1 = T.CreateTruncating(1 - beta1),
            Beta2 = T.CreateTruncating(beta2),
            OneMinusBeta2 = T.CreateTruncating(1 - beta2),
            Eps = T.CreateTruncating(eps),
            L2 = T.CreateTruncating(decoupledDecay ? 0 : weightDecay),
            Shrink = T.CreateTruncating(decoupledDecay ? 1 - lr * weightDecay : 1),
            HasL2 = !decoupledDecay && weightDecay != 0,
            HasShrink = decoupledDecay && weightDecay != 0,
            AmsGrad = maxSecondMoment is not null,
        };
        Span<T> maxV = maxSecondMoment is null ? default : maxSecondMoment.Data<T>();
        if (typeof(T) == typeof(float) && AdamThreading.Shares(value.Length))
        {
            AdamThreading.Update(value.Data<float>(), gradient.Data<float>(), firstMoment.Data<float>(), secondMoment.Data<float>(),
                Unsafe.As<Span<T>, Span<float>>(ref maxV), Unsafe.As<AdamConstants<T>, AdamConstants<float>>(ref c));
            return;
        }
        UpdateRange(value.Data<T>(), gradient.Data<T>(), firstMoment.Data<T>(), secondMoment.Data<T>(), maxV, in c);
    }

    /// <summary>
    /// The update of elements [0, theta.Length): every element on its own, so any split gives the same bits.
    /// <paramref name="maxV"/> is empty unless <c>c.AmsGrad</c>.
    /// </summary>
    internal static void UpdateRange<T>(Span<T> theta, ReadOnlySpan<T> grad, Span<T> m, Span<T> v, Span<T> maxV, in AdamConstants<T> c)
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
                if (c.AmsGrad)
                {
                    vj = Vector.Max(new Vector<T>(maxV.Slice(j)), vj);
                    vj.CopyTo(maxV.Slice(j));
                }
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
            if (c.AmsGrad)
            {
                vj = T.Max(maxV[j], vj);
                maxV[j] = vj;
            }
            T denominator = T.Sqrt(vj) / c.BiasCorrection2Sqrt + c.Eps;
            theta[j] = p - c.StepSize * (mj / denominator);
        }
    }
}

/// <summary>One Adam step's scalars, in the parameter's dtype.</summary>
internal struct AdamConstants<T>
{
    public T StepSize, BiasCorrection2Sqrt, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, Eps, L2, Shrink;
    public bool HasL2, HasShrink, AmsGrad;
}
