using System.Numerics;

namespace ModelGen.Kernels;

// Elementwise regression losses, logistic loss, negative log-likelihood and KL divergence, as PyTorch defines them
// with reduction 'mean' (KL: 'batchmean'). Each backward writes d/dPrediction (or d/dInput) scaled by gradOut;
// where the target can need a gradient too, its kernel is beside it.
public static partial class Losses
{
    /// <summary>The mean of |prediction − target|.</summary>
    public static T L1Forward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(prediction.Length, target.Length);
        if (prediction.Length == 0) return T.NaN;
        T total = T.Zero;
        for (int i = 0; i < prediction.Length; i++) total += T.Abs(prediction[i] - target[i]);
        return total / T.CreateChecked(prediction.Length);
    }

    /// <summary>dPrediction = sign(prediction − target) · gradOut / n (sign(0) = 0, as PyTorch). The target's gradient is its negation.</summary>
    public static void L1Backward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T gradOut, Span<T> dPrediction)
        where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(prediction.Length, target.Length);
        CheckSameLength(prediction.Length, dPrediction.Length);
        if (prediction.Length == 0) return;
        T scale = gradOut / T.CreateChecked(prediction.Length);
        for (int i = 0; i < prediction.Length; i++) dPrediction[i] = Sign(prediction[i] - target[i]) * scale;
    }

    /// <summary>
    /// The mean Huber loss: 0.5·d² where |d| &lt; δ, else δ·(|d| − 0.5·δ), with d = prediction − target
    /// (PyTorch's <c>huber_loss</c>).
    /// </summary>
    public static T HuberForward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T delta) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(prediction.Length, target.Length);
        if (prediction.Length == 0) return T.NaN;
        T half = T.CreateChecked(0.5);
        T total = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i], a = T.Abs(d);
            total += a < delta ? half * d * d : delta * (a - half * delta);
        }
        return total / T.CreateChecked(prediction.Length);
    }

    /// <summary>dPrediction = clamp(d, −δ, δ) · gradOut / n. The target's gradient is its negation.</summary>
    public static void HuberBackward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T delta, T gradOut, Span<T> dPrediction)
        where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(prediction.Length, target.Length);
        CheckSameLength(prediction.Length, dPrediction.Length);
        if (prediction.Length == 0) return;
        T scale = gradOut / T.CreateChecked(prediction.Length);
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i];
            dPrediction[i] = (d < -delta ? -delta : d > delta ? delta : d) * scale;
        }
    }

    /// <summary>
    /// The mean smooth L1 loss: 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β (PyTorch's <c>smooth_l1_loss</c>, which is
    /// the Huber loss with δ = β divided by β); β = 0 is the L1 loss, as in PyTorch.
    /// </summary>
    public static T SmoothL1Forward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T beta) where T : IFloatingPointIeee754<T>
    {
        if (beta == T.Zero) return L1Forward(prediction, target);
        return HuberForward(prediction, target, beta) / beta;
    }

    /// <summary>dPrediction = clamp(d/β, −1, 1) · gradOut / n (sign(d) when β = 0). The target's gradient is its negation.</summary>
    public static void SmoothL1Backward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T beta, T gradOut, Span<T> dPrediction)
        where T : IFloatingPointIeee754<T>
    {
        if (beta == T.Zero) L1Backward(prediction, target, gradOut, dPrediction);
        else HuberBackward(prediction, target, beta, gradOut / beta, dPrediction);
    }

    /// <summary>
    /// The mean binary cross-entropy of logits x against targets t, in the overflow-free form
    /// max(x, 0) − x·t + log(1 + exp(−|x|)) (PyTorch's <c>binary_cross_entropy_with_logits</c>).
    /// </summary>
    public static T BCEWithLogitsForward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(logits.Length, target.Length);
        if (logits.Length == 0) return T.NaN;
        T total = T.Zero;
        for (int i = 0; i < logits.Length; i++)
        {
            T x = logits[i];
            total += T.Max(x, T.Zero) - x * target[i] + T.LogP1(T.Exp(-T.Abs(x)));
        }
        return total / T.CreateChecked(logits.Length);
    }

    /// <summary>dLogits = (σ(x) − t) · gradOut / n, with σ evaluated without overflow.</summary>
    public static void BCEWithLogitsBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> target, T gradOut, Span<T> dLogits)
        where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(logits.Length, target.Length);
        CheckSameLength(logits.Length, dLogits.Length);
        if (logits.Length == 0) return;
        T scale = gradOut / T.CreateChecked(logits.Length);
        for (int i = 0; i < logits.Length; i++)
        {
            T x = logits[i], e = T.Exp(-T.Abs(x));
            T sigmoid = x >= T.Zero ? T.One / (T.One + e) : e / (T.One + e);
            dLogits[i] = (sigmoid - target[i]) * scale;
        }
    }

    /// <summary>dTarget = −x · gradOut / n: the target's gradient of <see cref="BCEWithLogitsForward{T}"/>.</summary>
    public static void BCEWithLogitsTargetBackward<T>(ReadOnlySpan<T> logits, T gradOut, Span<T> dTarget) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(logits.Length, dTarget.Length);
        if (logits.Length == 0) return;
        T scale = -gradOut / T.CreateChecked(logits.Length);
        for (int i = 0; i < logits.Length; i++) dTarget[i] = logits[i] * scale;
    }

    /// <summary>
    /// The mean over rows of −logProbabilities[row, label[row]] (PyTorch's <c>nll_loss</c>); rows labelled −100
    /// (PyTorch's default <c>ignore_index</c>) are skipped and the mean is over the others.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes) and not −100.</exception>
    public static T NllForward<T>(ReadOnlySpan<T> logProbabilities, ReadOnlySpan<int> labels, int rows, int classes)
        where T : IFloatingPointIeee754<T>
    {
        int kept = CheckCrossEntropyArguments(logProbabilities.Length, labels, rows, classes, DefaultIgnoreIndex);
        if (kept == 0) return T.NaN;
        T total = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            if (labels[r] != DefaultIgnoreIndex) total -= logProbabilities[r * classes + labels[r]];
        }
        return total / T.CreateChecked(kept);
    }

    /// <summary>dLogProbabilities = −onehot(labels) · gradOut / kept rows, overwriting <paramref name="dLogProbabilities"/>.</summary>
    public static void NllBackward<T>(ReadOnlySpan<int> labels, int rows, int classes, T gradOut, Span<T> dLogProbabilities)
        where T : IFloatingPointIeee754<T>
    {
        int kept = CheckCrossEntropyArguments(dLogProbabilities.Length, labels, rows, classes, DefaultIgnoreIndex);
        dLogProbabilities.Clear();
        if (kept == 0) return;
        T value = -gradOut / T.CreateChecked(kept);
        for (int r = 0; r < rows; r++)
        {
            if (labels[r] != DefaultIgnoreIndex) dLogProbabilities[r * classes + labels[r]] = value;
        }
    }

    /// <summary>
    /// PyTorch's <c>kl_div(input, target, reduction='batchmean')</c> with log-space input and probability targets:
    /// Σ t·(log t − x) / rows, where a zero target contributes 0 (x·log x → 0) and a negative one NaN.
    /// </summary>
    /// <param name="input">Log-probabilities, any shape whose leading dimension is <paramref name="rows"/>.</param>
    /// <param name="target">Probabilities, the same shape.</param>
    /// <param name="rows">The batch size the sum is divided by.</param>
    public static T KLDivForward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, int rows) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(input.Length, target.Length);
        if (rows == 0) return T.NaN;
        T total = T.Zero;
        for (int i = 0; i < input.Length; i++)
        {
            T t = target[i];
            total += t == T.Zero ? -t * input[i] : t * (T.Log(t) - input[i]);
        }
        return total / T.CreateChecked(rows);
    }

    /// <summary>dInput = −t · gradOut / rows.</summary>
    public static void KLDivBackward<T>(ReadOnlySpan<T> target, int rows, T gradOut, Span<T> dInput) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(target.Length, dInput.Length);
        if (rows == 0) return;
        T scale = -gradOut / T.CreateChecked(rows);
        for (int i = 0; i < target.Length; i++) dInput[i] = target[i] * scale;
    }

    /// <summary>dTarget = (log t + 1 − x) · gradOut / rows where t &gt; 0, and −x · gradOut / rows where t = 0 (the x·log x term taken as flat there).</summary>
    public static void KLDivTargetBackward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, int rows, T gradOut, Span<T> dTarget)
        where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(input.Length, target.Length);
        CheckSameLength(input.Length, dTarget.Length);
        if (rows == 0) return;
        T scale = gradOut / T.CreateChecked(rows);
        for (int i = 0; i < input.Length; i++)
        {
            T t = target[i];
            dTarget[i] = (t == T.Zero ? -input[i] : T.Log(t) + T.One - input[i]) * scale;
        }
    }

    private static T Sign<T>(T value) where T : IFloatingPointIeee754<T>
        => value > T.Zero ? T.One : value < T.Zero ? -T.One : value; // 0 stays 0 and NaN stays NaN
}
