using System.ComponentModel;
using System.Numerics;

namespace ModelGen.Kernels;

/// <summary>
/// Mean-reduced losses, forward and backward side by side. None of them allocates. A loss over zero rows or
/// elements is NaN, as PyTorch's mean of nothing is.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Losses
{
    /// <summary>
    /// The mean over rows of −log softmax(logits[row])[label[row]], computed as logsumexp(row) − row[label]
    /// with the row maximum subtracted first, so large logits do not overflow.
    /// </summary>
    /// <param name="logits">[rows, classes], row-major.</param>
    /// <param name="labels">[rows], each in [0, classes).</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public static T CrossEntropyForward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int rows, int classes)
        where T : IFloatingPointIeee754<T>
    {
        CheckCrossEntropyArguments(logits.Length, labels, rows, classes);
        if (rows == 0) return T.NaN;
        T total = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = logits.Slice(r * classes, classes);
            T max = Max(row);
            T sumExp = T.Zero;
            for (int c = 0; c < classes; c++) sumExp += T.Exp(row[c] - max);
            total += T.Log(sumExp) + max - row[labels[r]];
        }
        return total / T.CreateChecked(rows);
    }

    /// <summary>dLogits = (softmax(logits) − onehot(labels)) · gradOut / rows, overwriting <paramref name="dLogits"/>.</summary>
    /// <param name="logits">[rows, classes], row-major.</param>
    /// <param name="labels">[rows], each in [0, classes).</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="gradOut">The gradient of the mean loss (1 when it is the final loss).</param>
    /// <param name="dLogits">[rows, classes], written.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public static void CrossEntropyBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int rows, int classes,
        T gradOut, Span<T> dLogits) where T : IFloatingPointIeee754<T>
    {
        CheckCrossEntropyArguments(logits.Length, labels, rows, classes);
        if (dLogits.Length != logits.Length)
        {
            throw new ArgumentException($"dLogits has {dLogits.Length} elements; logits have {logits.Length}.", nameof(dLogits));
        }
        if (rows == 0) return;
        T scale = gradOut / T.CreateChecked(rows);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = logits.Slice(r * classes, classes);
            Span<T> dRow = dLogits.Slice(r * classes, classes);
            T max = Max(row);
            T sumExp = T.Zero;
            for (int c = 0; c < classes; c++)
            {
                T e = T.Exp(row[c] - max);
                dRow[c] = e;
                sumExp += e;
            }
            T factor = scale / sumExp;
            for (int c = 0; c < classes; c++) dRow[c] *= factor;
            dRow[labels[r]] -= scale;
        }
    }

    /// <summary>The mean of (prediction − target)² over all elements.</summary>
    public static T MseForward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target) where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(prediction.Length, target.Length);
        if (prediction.Length == 0) return T.NaN;
        T total = T.Zero;
        for (int i = 0; i < prediction.Length; i++)
        {
            T d = prediction[i] - target[i];
            total += d * d;
        }
        return total / T.CreateChecked(prediction.Length);
    }

    /// <summary>dPrediction = 2 · (prediction − target) · gradOut / n, overwriting <paramref name="dPrediction"/>. The target's gradient is its negation.</summary>
    public static void MseBackward<T>(ReadOnlySpan<T> prediction, ReadOnlySpan<T> target, T gradOut, Span<T> dPrediction)
        where T : IFloatingPointIeee754<T>
    {
        CheckSameLength(prediction.Length, target.Length);
        CheckSameLength(prediction.Length, dPrediction.Length);
        if (prediction.Length == 0) return;
        T scale = (gradOut + gradOut) / T.CreateChecked(prediction.Length);
        for (int i = 0; i < prediction.Length; i++) dPrediction[i] = (prediction[i] - target[i]) * scale;
    }

    private static T Max<T>(ReadOnlySpan<T> row) where T : IFloatingPointIeee754<T>
    {
        // A row of -inf (or an empty row) would give max - max = NaN; fall back to 0 so exp stays defined.
        T max = T.NegativeInfinity;
        foreach (T value in row) max = T.Max(max, value);
        return T.IsFinite(max) ? max : (T.IsNaN(max) ? max : T.Zero);
    }

    private static void CheckCrossEntropyArguments(int logitsLength, ReadOnlySpan<int> labels, int rows, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        if (logitsLength != (long)rows * classes)
        {
            throw new ArgumentException($"Logits have {logitsLength} elements; [{rows}, {classes}] needs {(long)rows * classes}.");
        }
        if (labels.Length != rows)
        {
            throw new ArgumentException($"There are {labels.Length} labels for {rows} rows of logits.");
        }
        for (int r = 0; r < rows; r++)
        {
            if ((uint)labels[r] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"Label {labels[r]} at row {r} is out of range for {classes} classes (valid labels are 0 to {classes - 1}).");
            }
        }
    }

    private static void CheckSameLength(int a, int b)
    {
        if (a != b) throw new ArgumentException($"Prediction and target lengths differ: {a} and {b}.");
    }
}
