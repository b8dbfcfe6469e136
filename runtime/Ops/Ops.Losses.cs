using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// Mean-reduced losses; each returns a scalar (rank 0) to call Backward on.
public static partial class Ops
{
    /// <summary>
    /// Softmax cross-entropy of logits [N, C] against Int32 class labels [N], averaged over the N rows, like
    /// PyTorch's <c>cross_entropy</c> with mean reduction. The labels receive no gradient.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, C).</exception>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels)
    {
        RequireFloatingPoint(logits, nameof(CrossEntropy), "logits");
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.DType != DType.Int32)
        {
            throw new ArgumentException($"CrossEntropy needs Int32 class labels; got {labels.DType}.", nameof(labels));
        }
        if (logits.Rank != 2 || labels.Rank != 1 || labels.Size(0) != logits.Size(0))
        {
            throw new ArgumentException(
                $"CrossEntropy needs logits [N, C] and labels [N]; got logits {Tensor.FormatShape(logits.ShapeSpan)} " +
                $"and labels {Tensor.FormatShape(labels.ShapeSpan)}.");
        }
        return logits.DType == DType.Float32 ? CrossEntropy<float>(logits, labels) : CrossEntropy<double>(logits, labels);
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

    private static Tensor CrossEntropy<T>(Tensor logits, Tensor labels) where T : IFloatingPointIeee754<T>
    {
        int rows = logits.Size(0), classes = logits.Size(1);
        Tensor loss = NewLike(logits, []);
        loss.Data<T>()[0] = Losses.CrossEntropyForward<T>(logits.Data<T>(), labels.AsSpanInt32(), rows, classes);
        return GradNode.Record(loss, nameof(CrossEntropy), [logits, labels], dLoss =>
        {
            Tensor dLogits = NewLike(logits, logits.ShapeSpan);
            Losses.CrossEntropyBackward<T>(logits.Data<T>(), labels.AsSpanInt32(), rows, classes, ScalarValue<T>(dLoss), dLogits.Data<T>());
            return [dLogits, null];
        });
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
}
