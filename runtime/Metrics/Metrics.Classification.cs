namespace ModelGen;

// Classification: accuracy and top-k accuracy from logits, the confusion matrix, precision, recall and F1.
public static partial class Metrics
{
    /// <summary>The fraction of rows of <paramref name="logits"/> [N, C] whose largest value (the first, on a tie) is at the row's label.</summary>
    public static double Accuracy(Tensor logits, ReadOnlySpan<int> labels) => TopKAccuracy(logits, labels, 1);

    /// <summary>
    /// The fraction of rows of <paramref name="logits"/> [N, C] whose label is among the row's <paramref name="k"/>
    /// largest values. Ties are ranked by class index, lower first (a stable descending sort), so k = 1 agrees with
    /// <see cref="Accuracy"/> and with argmax.
    /// </summary>
    /// <exception cref="ArgumentException">The logits are not [N, C], the label count is not N, or a label is outside [0, C).</exception>
    public static double TopKAccuracy(Tensor logits, ReadOnlySpan<int> labels, int k)
    {
        var (rows, classes) = CheckLogits(logits, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (rows == 0) return 0;
        double[] values = logits.ToArrayFloat64();
        int hits = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> row = values.AsSpan(r * classes, classes);
            int label = labels[r];
            double target = row[label];
            int rank = 0; // classes ahead of the label
            for (int c = 0; c < classes; c++)
            {
                if (row[c] > target || (row[c] == target && c < label)) rank++;
            }
            if (rank < k) hits++;
        }
        return hits / (double)rows;
    }

    /// <summary>The predicted class of each row of <paramref name="logits"/> [N, C]: the index of its largest value (the first, on a tie).</summary>
    public static int[] Predictions(Tensor logits)
    {
        if (logits.Rank != 2) throw new ArgumentException($"logits must be [N, C] but are [{string.Join(", ", logits.Shape)}].", nameof(logits));
        int rows = logits.Size(0), classes = logits.Size(1);
        double[] values = logits.ToArrayFloat64();
        var predictions = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (values[r * classes + c] > values[r * classes + best]) best = c;
            }
            predictions[r] = best;
        }
        return predictions;
    }

    /// <summary>
    /// The confusion matrix as scikit-learn lays it out: entry [i, j] counts the samples whose true label is i and
    /// whose prediction is j (rows: truth, columns: prediction).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or a class is outside [0, classes).</exception>
    public static int[,] ConfusionMatrix(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (actual.Length != predicted.Length) throw new ArgumentException($"{actual.Length} labels but {predicted.Length} predictions.", nameof(predicted));
        var matrix = new int[classes, classes];
        for (int i = 0; i < actual.Length; i++)
        {
            if ((uint)actual[i] >= (uint)classes || (uint)predicted[i] >= (uint)classes)
            {
                throw new ArgumentException($"Sample {i} has label {actual[i]} and prediction {predicted[i]}; classes are 0 to {classes - 1}.", nameof(actual));
            }
            matrix[actual[i], predicted[i]]++;
        }
        return matrix;
    }

    /// <summary>Precision, recall and F1 per class and averaged (see <see cref="ClassificationScores"/> for the conventions).</summary>
    /// <exception cref="ArgumentException">The lengths differ or a class is outside [0, classes).</exception>
    public static ClassificationScores PrecisionRecallF1(ReadOnlySpan<int> actual, ReadOnlySpan<int> predicted, int classes)
    {
        int[,] matrix = ConfusionMatrix(actual, predicted, classes);
        var precision = new double[classes];
        var recall = new double[classes];
        var f1 = new double[classes];
        var support = new int[classes];
        long totalTruePositives = 0, totalFalsePositives = 0, totalFalseNegatives = 0;
        int present = 0, samples = actual.Length;
        double sumPrecision = 0, sumRecall = 0, sumF1 = 0, weightedF1 = 0;
        for (int c = 0; c < classes; c++)
        {
            int truePositives = matrix[c, c], predictedAsC = 0, labelledC = 0;
            for (int j = 0; j < classes; j++)
            {
                predictedAsC += matrix[j, c];
                labelledC += matrix[c, j];
            }
            precision[c] = SafeDivide(truePositives, predictedAsC);
            recall[c] = SafeDivide(truePositives, labelledC);
            f1[c] = SafeDivide(2 * precision[c] * recall[c], precision[c] + recall[c]);
            support[c] = labelledC;
            totalTruePositives += truePositives;
            totalFalsePositives += predictedAsC - truePositives;
            totalFalseNegatives += labelledC - truePositives;
            if (predictedAsC + labelledC == 0) continue; // in neither the labels nor the predictions: not averaged
            present++;
            sumPrecision += precision[c];
            sumRecall += recall[c];
            sumF1 += f1[c];
            weightedF1 += f1[c] * labelledC;
        }
        double microPrecision = SafeDivide(totalTruePositives, totalTruePositives + totalFalsePositives);
        double microRecall = SafeDivide(totalTruePositives, totalTruePositives + totalFalseNegatives);
        return new ClassificationScores(precision, recall, f1, support,
            SafeDivide(sumPrecision, present), SafeDivide(sumRecall, present), SafeDivide(sumF1, present), SafeDivide(weightedF1, samples),
            microPrecision, microRecall, SafeDivide(2 * microPrecision * microRecall, microPrecision + microRecall));
    }

    private static double SafeDivide(double numerator, double denominator) => denominator == 0 ? 0 : numerator / denominator;

    private static (int Rows, int Classes) CheckLogits(Tensor logits, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 2) throw new ArgumentException($"logits must be [N, C] but are [{string.Join(", ", logits.Shape)}].", nameof(logits));
        int rows = logits.Size(0), classes = logits.Size(1);
        if (labels.Length != rows) throw new ArgumentException($"{labels.Length} labels for {rows} rows.", nameof(labels));
        foreach (int label in labels)
        {
            if ((uint)label >= (uint)classes) throw new ArgumentException($"Label {label} is outside [0, {classes}).", nameof(labels));
        }
        return (rows, classes);
    }
}
