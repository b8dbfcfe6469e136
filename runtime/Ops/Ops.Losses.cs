using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// Mean-reduced losses; each returns a scalar (rank 0) to call Backward on.
public static partial class Ops
{
    /// <summary>
    /// Softmax cross-entropy of logits [N, C] against Int32 class labels [N], averaged over the rows, like
    /// PyTorch's <c>cross_entropy</c> with mean reduction. The labels receive no gradient; the backward keeps the
    /// logits (it recomputes the softmax).
    /// </summary>
    /// <param name="logits">[N, C].</param>
    /// <param name="labels">Int32 [N], each in [0, C) or <paramref name="ignoreIndex"/>.</param>
    /// <param name="labelSmoothing">
    /// ε in [0, 1]: the target of each row is (1 − ε)·onehot(label) + ε/C, PyTorch's <c>label_smoothing</c>.
    /// </param>
    /// <param name="ignoreIndex">
    /// Rows with this label contribute nothing and the mean is over the other rows (NaN when none is left), PyTorch's
    /// <c>ignore_index</c>; its default −100 is PyTorch's.
    /// </param>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, C) and not the ignore index, or ε is outside [0, 1].</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels, float labelSmoothing = 0f, int ignoreIndex = -100)
    {
        RequireClassLabels(logits, labels, nameof(CrossEntropy), "logits");
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must be in [0, 1].");
        }
        return logits.DType == DType.Float32
            ? CrossEntropy<float>(logits, labels, labelSmoothing, ignoreIndex)
            : CrossEntropy<double>(logits, labels, labelSmoothing, ignoreIndex);
    }

    /// <summary>The mean of (prediction − target)² over all elements; both must have the same shape and dtype.</summary>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    public static Tensor MseLoss(Tensor prediction, Tensor target)
    {
        RequireSameFloatingPoint(prediction, target, nameof(MseLoss), "prediction", "target");
        if (!prediction.ShapeSpan.SequenceEqual(target.ShapeSpan))
        {
            throw new ArgumentException(
                $"MseLoss needs a prediction and target of the same shape; got {Tensor.FormatShape(prediction.ShapeSpan)} " +
                $"and {Tensor.FormatShape(target.ShapeSpan)}.");
        }
        return prediction.DType == DType.Float32 ? MseLoss<float>(prediction, target) : MseLoss<double>(prediction, target);
    }

    private static Tensor CrossEntropy<T>(Tensor logits, Tensor labels, float labelSmoothing, int ignoreIndex) where T : IFloatingPointIeee754<T>
    {
        int rows = logits.Size(0), classes = logits.Size(1);
        T smoothing = T.CreateChecked(labelSmoothing);
        Tensor loss = NewLike(logits, []);
        loss.Data<T>()[0] = Losses.CrossEntropyForward<T>(logits.Data<T>(), labels.AsSpanInt32(), rows, classes, smoothing, ignoreIndex);
        return GradNode.Record(loss, nameof(CrossEntropy), [logits, labels], dLoss =>
        {
            Tensor dLogits = NewLike(logits, logits.ShapeSpan);
            Losses.CrossEntropyBackward<T>(logits.Data<T>(), labels.AsSpanInt32(), rows, classes, smoothing, ignoreIndex,
                ScalarValue<T>(dLoss), dLogits.Data<T>());
            return [dLogits, null];
        });
    }

    /// <summary>Throws unless <paramref name="scores"/> is floating-point [N, C] and <paramref name="labels"/> Int32 [N].</summary>
    private static void RequireClassLabels(Tensor scores, Tensor labels, string op, string role)
    {
        RequireFloatingPoint(scores, op, role);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.DType != DType.Int32)
        {
            throw new ArgumentException($"{op} needs Int32 class labels; got {labels.DType}.", nameof(labels));
        }
        if (scores.Rank != 2 || labels.Rank != 1 || labels.Size(0) != scores.Size(0))
        {
            throw new ArgumentException(
                $"{op} needs {role} [N, C] and labels [N]; got {role} {Tensor.FormatShape(scores.ShapeSpan)} " +
                $"and labels {Tensor.FormatShape(labels.ShapeSpan)}.");
        }
    }

    private static Tensor MseLoss<T>(Tensor prediction, Tensor target) where T : IFloatingPointIeee754<T>
    {
        Tensor loss = NewLike(prediction, []);
        loss.Data<T>()[0] = Losses.MseForward<T>(prediction.Data<T>(), target.Data<T>());
        return GradNode.Record(loss, nameof(MseLoss), [prediction, target], dLoss =>
        {
            // The kernel writes d/dPrediction; the target's gradient is its negation.
            Tensor dPrediction = NewLike(prediction, prediction.ShapeSpan);
            Losses.MseBackward<T>(prediction.Data<T>(), target.Data<T>(), ScalarValue<T>(dLoss), dPrediction.Data<T>());
            return [prediction.RequiresGrad ? dPrediction : null, target.RequiresGrad ? Negated<T>(dPrediction) : null];
        });
    }

    /// <summary>The mean of |prediction − target| (PyTorch's <c>l1_loss</c>); same shape and dtype. The backward keeps both inputs.</summary>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    public static Tensor L1Loss(Tensor prediction, Tensor target)
    {
        RequireSameShape(prediction, target, nameof(L1Loss));
        return prediction.DType == DType.Float32
            ? PointwiseLoss<float>(prediction, target, nameof(L1Loss), Losses.L1Forward, Losses.L1Backward, null)
            : PointwiseLoss<double>(prediction, target, nameof(L1Loss), Losses.L1Forward, Losses.L1Backward, null);
    }

    /// <summary>
    /// The mean smooth L1 loss (PyTorch's <c>smooth_l1_loss</c>): 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β, with
    /// d = prediction − target. It equals <see cref="HuberLoss"/> with δ = β divided by β; β = 0 is the L1 loss.
    /// The backward keeps both inputs.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">β is negative.</exception>
    public static Tensor SmoothL1Loss(Tensor prediction, Tensor target, float beta = 1f)
    {
        RequireSameShape(prediction, target, nameof(SmoothL1Loss));
        if (!(beta >= 0f)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "SmoothL1Loss needs beta ≥ 0.");
        return prediction.DType == DType.Float32
            ? PointwiseLoss<float>(prediction, target, nameof(SmoothL1Loss),
                (p, t) => Losses.SmoothL1Forward(p, t, beta), (p, t, g, d) => Losses.SmoothL1Backward(p, t, beta, g, d), null)
            : PointwiseLoss<double>(prediction, target, nameof(SmoothL1Loss),
                (p, t) => Losses.SmoothL1Forward(p, t, (double)beta), (p, t, g, d) => Losses.SmoothL1Backward(p, t, (double)beta, g, d), null);
    }

    /// <summary>
    /// The mean Huber loss (PyTorch's <c>huber_loss</c>): 0.5·d² where |d| &lt; δ, else δ·(|d| − 0.5·δ), with
    /// d = prediction − target. The backward keeps both inputs.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException">δ is not positive.</exception>
    public static Tensor HuberLoss(Tensor prediction, Tensor target, float delta = 1f)
    {
        RequireSameShape(prediction, target, nameof(HuberLoss));
        if (!(delta > 0f)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "HuberLoss needs delta > 0.");
        return prediction.DType == DType.Float32
            ? PointwiseLoss<float>(prediction, target, nameof(HuberLoss),
                (p, t) => Losses.HuberForward(p, t, delta), (p, t, g, d) => Losses.HuberBackward(p, t, delta, g, d), null)
            : PointwiseLoss<double>(prediction, target, nameof(HuberLoss),
                (p, t) => Losses.HuberForward(p, t, (double)delta), (p, t, g, d) => Losses.HuberBackward(p, t, (double)delta, g, d), null);
    }

    /// <summary>
    /// The mean binary cross-entropy of logits against float targets of the same shape (PyTorch's
    /// <c>binary_cross_entropy_with_logits</c>), computed as max(x, 0) − x·t + log(1 + exp(−|x|)) so that no logit
    /// overflows. The backward keeps both inputs (the target's gradient is −x/n).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes or dtypes differ.</exception>
    public static Tensor BCEWithLogits(Tensor logits, Tensor target)
    {
        RequireSameShape(logits, target, nameof(BCEWithLogits), "logits");
        return logits.DType == DType.Float32
            ? PointwiseLoss<float>(logits, target, nameof(BCEWithLogits), Losses.BCEWithLogitsForward, Losses.BCEWithLogitsBackward,
                (x, t, g, d) => Losses.BCEWithLogitsTargetBackward(x, g, d))
            : PointwiseLoss<double>(logits, target, nameof(BCEWithLogits), Losses.BCEWithLogitsForward, Losses.BCEWithLogitsBackward,
                (x, t, g, d) => Losses.BCEWithLogitsTargetBackward(x, g, d));
    }

    /// <summary>
    /// The negative log-likelihood of log-probabilities [N, C] at Int32 class labels [N], averaged over the rows
    /// (PyTorch's <c>nll_loss</c>, whose default <c>ignore_index</c> −100 skips a row). Pair it with log-softmax
    /// output; CrossEntropy is the two fused. The labels receive no gradient and the backward keeps nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, C) and not −100.</exception>
    public static Tensor NllLoss(Tensor logProbabilities, Tensor labels)
    {
        RequireClassLabels(logProbabilities, labels, nameof(NllLoss), "log-probabilities");
        return logProbabilities.DType == DType.Float32 ? NllLoss<float>(logProbabilities, labels) : NllLoss<double>(logProbabilities, labels);
    }

    /// <summary>
    /// The Kullback–Leibler divergence of PyTorch's <c>kl_div(input, target, reduction='batchmean')</c>: the input
    /// holds log-probabilities, the target probabilities of the same shape, and the result is
    /// Σ t·(log t − input) divided by the leading dimension N (zero targets contribute 0). 'batchmean' rather than
    /// 'mean' because it is the true KL divergence per sample, which PyTorch recommends (its 'mean' divides by
    /// every element). The backward keeps the target (and the input when the target needs a gradient too).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes or dtypes differ, or the input is a scalar.</exception>
    public static Tensor KLDiv(Tensor input, Tensor target)
    {
        RequireSameShape(input, target, nameof(KLDiv), "input");
        if (input.Rank == 0) throw new ArgumentException("KLDiv needs a batch dimension to divide by; got a scalar input.", nameof(input));
        return input.DType == DType.Float32 ? KLDiv<float>(input, target) : KLDiv<double>(input, target);
    }

    private delegate T LossForwardKernel<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target);
    private delegate void LossBackwardKernel<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T gradOut, Span<T> dInput);

    private static void RequireSameShape(Tensor prediction, Tensor target, string op, string role = "prediction")
    {
        RequireSameFloatingPoint(prediction, target, op, role, "target");
        if (!prediction.ShapeSpan.SequenceEqual(target.ShapeSpan))
        {
            throw new ArgumentException(
                $"{op} needs a {role} and target of the same shape; got {Tensor.FormatShape(prediction.ShapeSpan)} " +
                $"and {Tensor.FormatShape(target.ShapeSpan)}.");
        }
    }

    /// <summary>An elementwise mean loss; the target's gradient is the negated prediction gradient unless a kernel is given.</summary>
    private static Tensor PointwiseLoss<T>(Tensor prediction, Tensor target, string name, LossForwardKernel<T> forward,
        LossBackwardKernel<T> backward, LossBackwardKernel<T>? targetBackward) where T : IFloatingPointIeee754<T>
    {
        Tensor loss = NewLike(prediction, []);
        loss.Data<T>()[0] = forward(prediction.Data<T>(), target.Data<T>());
        return GradNode.Record(loss, name, [prediction, target], dLoss =>
        {
            T g = ScalarValue<T>(dLoss);
            Tensor dPrediction = NewLike(prediction, prediction.ShapeSpan);
            backward(prediction.Data<T>(), target.Data<T>(), g, dPrediction.Data<T>());
            Tensor? dTarget = null;
            if (target.RequiresGrad && targetBackward is null) dTarget = Negated<T>(dPrediction);
            else if (target.RequiresGrad)
            {
                dTarget = NewLike(target, target.ShapeSpan);
                targetBackward!(prediction.Data<T>(), target.Data<T>(), g, dTarget.Data<T>());
            }
            return [prediction.RequiresGrad ? dPrediction : null, dTarget];
        });
    }

    private static Tensor NllLoss<T>(Tensor logProbabilities, Tensor labels) where T : IFloatingPointIeee754<T>
    {
        int rows = logProbabilities.Size(0), classes = logProbabilities.Size(1);
        Tensor loss = NewLike(logProbabilities, []);
        loss.Data<T>()[0] = Losses.NllForward<T>(logProbabilities.Data<T>(), labels.AsSpanInt32(), rows, classes);
        return GradNode.Record(loss, nameof(NllLoss), [logProbabilities, labels], dLoss =>
        {
            Tensor dInput = NewLike(logProbabilities, logProbabilities.ShapeSpan);
            Losses.NllBackward<T>(labels.AsSpanInt32(), rows, classes, ScalarValue<T>(dLoss), dInput.Data<T>());
            return [dInput, null];
        });
    }

    private static Tensor KLDiv<T>(Tensor input, Tensor target) where T : IFloatingPointIeee754<T>
    {
        int rows = input.Size(0);
        Tensor loss = NewLike(input, []);
        loss.Data<T>()[0] = Losses.KLDivForward<T>(input.Data<T>(), target.Data<T>(), rows);
        return GradNode.Record(loss, nameof(KLDiv), [input, target], dLoss =>
        {
            T g = ScalarValue<T>(dLoss);
            Tensor? dInput = null, dTarget = null;
            if (input.RequiresGrad)
            {
                dInput = NewLike(input, input.ShapeSpan);
                Losses.KLDivBackward<T>(target.Data<T>(), rows, g, dInput.Data<T>());
            }
            if (target.RequiresGrad)
            {
                dTarget = NewLike(target, target.ShapeSpan);
                Losses.KLDivTargetBackward<T>(input.Data<T>(), target.Data<T>(), rows, g, dTarget.Data<T>());
            }
            return [dInput, dTarget];
        });
    }
}
