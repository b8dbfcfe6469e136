using System.ComponentModel;
using System.Numerics;

namespace ModelGen.Kernels;

/// <summary>
/// Mean-reduced losses, forward and backward side by side (more in MoreLosses.cs). None of them allocates. A loss
/// over zero rows or elements is NaN, as PyTorch's mean of nothing is.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Losses
{
    /// <summary>
    /// The mean over rows of −log softmax(logits[row])[label[row]], computed as logsumexp(row) − row[label]
    /// with the row maximum subtracted first, so large logits do not overflow. A label of −100 (PyTorch's default
    /// <c>ignore_index</c>) marks a row that contributes nothing; the mean is over the other rows.
    /// </summary>
    /// <param name="logits">[rows, classes], row-major.</param>
    /// <param name="labels">[rows], each in [0, classes) or −100.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes) and not −100.</exception>
    public static T CrossEntropyForward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int rows, int classes)
        where T : IFloatingPointIeee754<T>
        => CrossEntropyForward(logits, labels, rows, classes, T.Zero, DefaultIgnoreIndex);

    /// <summary>
    /// Cross-entropy with PyTorch's <c>label_smoothing</c> and <c>ignore_index</c>: each kept row's target is
    /// (1 − ε)·onehot(label) + ε/classes, so its loss is (1 − ε)·(lse − row[label]) + ε·(lse − mean(row)); rows
    /// whose label is <paramref name="ignoreIndex"/> contribute nothing, and the mean is over the kept rows (NaN
    /// when there are none, as PyTorch's).
    /// </summary>
    /// <param name="logits">[rows, classes], row-major.</param>
    /// <param name="labels">[rows], each in [0, classes) or <paramref name="ignoreIndex"/>.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    /// <param name="ignoreIndex">The label of rows to skip.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes) and not the ignore index.</exception>
    public static T CrossEntropyForward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int rows, int classes,
        T labelSmoothing, int ignoreIndex) where T : IFloatingPointIeee754<T>
    {
        int kept = CheckCrossEntropyArguments(logits.Length, labels, rows, classes, ignoreIndex);
        if (kept == 0) return T.NaN;
        bool smoothing = labelSmoothing != T.Zero;
        T total = T.Zero;
        for (int r = 0; r < rows; r++)
        {
            if (labels[r] == ignoreIndex) continue;
            ReadOnlySpan<T> row = logits.Slice(r * classes, classes);
            T max = Max(row);
            T sumExp = T.Zero, sum = T.Zero;
            for (int c = 0; c < classes; c++)
            {
                sumExp += T.Exp(row[c] - max);
                sum += row[c];
            }
            T logSumExp = T.Log(sumExp) + max;
            T nll = logSumExp - row[labels[r]];
            // Without smoothing the expression is exactly the unsmoothed one, so results do not move by an ulp.
            total += smoothing
                ? (T.One - labelSmoothing) * nll + labelSmoothing * (logSumExp - sum / T.CreateChecked(classes))
                : nll;
        }
        return total / T.CreateChecked(kept);
    }

    /// <summary>dLogits = (softmax(logits) − onehot(labels)) · gradOut / rows, overwriting <paramref name="dLogits"/>; rows labelled −100 get zeros.</summary>
    /// <param name="logits">[rows, classes], row-major.</param>
    /// <param name="labels">[rows], each in [0, classes) or −100.</param>
    /// <param name="rows">The number of samples.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="gradOut">The gradient of the mean loss (1 when it is the final loss).</param>
    /// <param name="dLogits">[rows, classes], written.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes) and not −100.</exception>
    public static void CrossEntropyBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int rows, int classes,
        T gradOut, Span<T> dLogits) where T : IFloatingPointIeee754<T>
        => CrossEntropyBackward(logits, labels, rows, classes, T.Zero, DefaultIgnoreIndex, gradOut, dLogits);

    /// <summary>
    /// The backward of the smoothed, ignoring cross-entropy: dLogits = (softmax(logits) − target) · gradOut / kept
    /// with target = (1 − ε)·onehot + ε/classes, and zeros on ignored rows; overwrites <paramref name="dLogits"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes) and not the ignore index.</exception>
    public static void CrossEntropyBackward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int rows, int classes,
        T labelSmoothing, int ignoreIndex, T gradOut, Span<T> dLogits) where T : IFloatingPointIeee754<T>
    {
        int kept = CheckCrossEntropyArguments(logits.Length, labels, rows, classes, ignoreIndex);
        if (dLogits.Length != logits.Length)
        {
            throw new ArgumentException($"dLogits has {dLogits.Length} elements; logits have {logits.Length}.", nameof(dLogits));
        }
        if (kept == 0)
        {
            dLogits.Clear();
            return;
        }
        T scale = gradOut / T.CreateChecked(kept);
        T uniform = labelSmoothing * scale / T.CreateChecked(classes);
        for (int r = 0; r < rows; r++)
        {
            Span<T> dRow = dLogits.Slice(r * classes, classes);
            if (labels[r] == ignoreIndex)
            {
                dRow.Clear();
                continue;
            }
            ReadOnlySpan<T> row = logits.Slice(r * classes, classes);
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
            if (labelSmoothing != T.Zero)
            {
                for (int c = 0; c < classes; c++) dRow[c] -= uniform;
                dRow[labels[r]] -= (T.One - labelSmoothing) * scale;
            }
            else
            {
                dRow[labels[r]] -= scale;
            }
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

    /// <summary>PyTorch's default <c>ignore_index</c>.</summary>
    private const int DefaultIgnoreIndex = -100;

    /// <summary>Checks the shapes and labels; returns the number of rows not ignored.</summary>
    private static int CheckCrossEntropyArguments(int logitsLength, ReadOnlySpan<int> labels, int rows, int classes, int ignoreIndex)
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
        int kept = 0;
        for (int r = 0; r < rows; r++)
        {
            if (labels[r] == ignoreIndex) continue;
            if ((uint)labels[r] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"Label {labels[r]} at row {r} is out of range for {classes} classes (valid labels are 0 to {classes - 1}).");
            }
            kept++;
        }
        return kept;
    }

    private static void CheckSameLength(int a, int b)
    {
        if (a != b) throw new ArgumentException($"Prediction and target lengths differ: {a} and {b}.");
    }
}
