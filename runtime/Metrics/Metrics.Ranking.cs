namespace ModelGen;

// Ranking of binary scores: ROC-AUC and average precision, with tied scores treated as scikit-learn treats them.
public static partial class Metrics
{
    /// <summary>
    /// The area under the ROC curve, as scikit-learn's <c>roc_auc_score</c> for binary labels: the trapezoidal area
    /// under (FPR, TPR) with one point per distinct score, so a tie between a positive and a negative counts ½
    /// (the Mann-Whitney statistic divided by P·N).
    /// </summary>
    /// <param name="actual">The labels: 1 positive, 0 negative.</param>
    /// <param name="scores">The scores; higher means more likely positive.</param>
    /// <exception cref="ArgumentException">The lengths differ, a label is not 0 or 1, or only one class is present.</exception>
    public static double RocAuc(ReadOnlySpan<int> actual, ReadOnlySpan<double> scores)
    {
        var (order, positives) = SortByScore(actual, scores);
        int negatives = actual.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException("Only one class present in y_true. ROC AUC score is not defined in that case.", nameof(actual));
        }
        double area = 0;
        long truePositives = 0, falsePositives = 0;
        for (int start = 0; start < order.Length;)
        {
            long previousTruePositives = truePositives, previousFalsePositives = falsePositives;
            int end = NextThreshold(order, scores, start);
            for (int i = start; i < end; i++)
            {
                if (actual[order[i]] == 1) truePositives++;
                else falsePositives++;
            }
            // A trapezoid from (fp₀, tp₀) to (fp₁, tp₁), in counts; scaled once at the end.
            area += (falsePositives - previousFalsePositives) * (truePositives + previousTruePositives) / 2.0;
            start = end;
        }
        return area / ((double)positives * negatives);
    }

    /// <summary>
    /// Average precision, as scikit-learn's <c>average_precision_score</c>: <c>AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ</c> over the
    /// distinct scores from highest to lowest, where Pₙ and Rₙ are the precision and recall when every sample scoring
    /// at least the n-th threshold is called positive (tied samples enter together; no interpolation). 0 when there
    /// are no positives, as scikit-learn returns.
    /// </summary>
    /// <param name="actual">The labels: 1 positive, 0 negative.</param>
    /// <param name="scores">The scores; higher means more likely positive.</param>
    /// <exception cref="ArgumentException">The lengths differ or a label is not 0 or 1.</exception>
    public static double AveragePrecision(ReadOnlySpan<int> actual, ReadOnlySpan<double> scores)
    {
        var (order, positives) = SortByScore(actual, scores);
        if (positives == 0) return 0;
        double sum = 0, previousRecall = 0;
        long truePositives = 0, called = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = NextThreshold(order, scores, start);
            for (int i = start; i < end; i++)
            {
                if (actual[order[i]] == 1) truePositives++;
            }
            called += end - start;
            double recall = truePositives / (double)positives;
            sum += (recall - previousRecall) * (truePositives / (double)called);
            previousRecall = recall;
            start = end;
        }
        return sum;
    }

    /// <summary>Sample indices by descending score, and the positive count.</summary>
    private static (int[] Order, int Positives) SortByScore(ReadOnlySpan<int> actual, ReadOnlySpan<double> scores)
    {
        if (actual.Length != scores.Length) throw new ArgumentException($"{actual.Length} labels but {scores.Length} scores.", nameof(scores));
        int positives = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i] is not (0 or 1)) throw new ArgumentException($"Label {i} is {actual[i]}; binary labels are 0 or 1.", nameof(actual));
            if (double.IsNaN(scores[i])) throw new ArgumentException($"Score {i} is NaN.", nameof(scores));
            positives += actual[i];
        }
        int[] order = [.. Enumerable.Range(0, actual.Length)];
        double[] keys = scores.ToArray();
        Array.Sort(keys, order, Comparer<double>.Create((a, b) => b.CompareTo(a)));
        return (order, positives);
    }

    /// <summary>The end of the run of samples that share the score of <c>order[start]</c>.</summary>
    private static int NextThreshold(int[] order, ReadOnlySpan<double> scores, int start)
    {
        int end = start + 1;
        while (end < order.Length && scores[order[end]] == scores[order[start]]) end++;
        return end;
    }
}
