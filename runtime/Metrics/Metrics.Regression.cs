namespace ModelGen;

// Regression: mean absolute error, mean squared error and the coefficient of determination.
public static partial class Metrics
{
    /// <summary>The mean absolute error, <c>Σ|yᵢ − ŷᵢ| / n</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    public static double MeanAbsoluteError(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        CheckPairs(actual, predicted);
        double sum = 0;
        for (int i = 0; i < actual.Length; i++) sum += Math.Abs(actual[i] - predicted[i]);
        return sum / actual.Length;
    }

    /// <summary>The mean squared error, <c>Σ(yᵢ − ŷᵢ)² / n</c>.</summary>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    public static double MeanSquaredError(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        CheckPairs(actual, predicted);
        double sum = 0;
        for (int i = 0; i < actual.Length; i++) sum += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
        return sum / actual.Length;
    }

    /// <summary>
    /// The coefficient of determination, as scikit-learn's <c>r2_score</c>: <c>1 − Σ(yᵢ − ŷᵢ)² / Σ(yᵢ − ȳ)²</c>. When
    /// the labels are constant (a zero denominator) it is 1 for a perfect prediction and 0 otherwise
    /// (scikit-learn's <c>force_finite=True</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    public static double R2Score(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        CheckPairs(actual, predicted);
        double mean = 0;
        foreach (double y in actual) mean += y;
        mean /= actual.Length;
        double residual = 0, total = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            residual += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
            total += (actual[i] - mean) * (actual[i] - mean);
        }
        if (total == 0) return residual == 0 ? 1 : 0;
        return 1 - residual / total;
    }

    /// <inheritdoc cref="MeanAbsoluteError(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static double MeanAbsoluteError(Tensor actual, Tensor predicted) => MeanAbsoluteError(Values(actual), Values(predicted));

    /// <inheritdoc cref="MeanSquaredError(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    public static double MeanSquaredError(Tensor actual, Tensor predicted) => MeanSquaredError(Values(actual), Values(predicted));

    /// <inheritdoc cref="R2Score(ReadOnlySpan{double}, ReadOnlySpan{double})"/>
    /// <remarks>Every element counts as a sample of one output (the tensors are flattened), not one R² per column averaged.</remarks>
    public static double R2Score(Tensor actual, Tensor predicted) => R2Score(Values(actual), Values(predicted));

    private static double[] Values(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.ToArrayFloat64();
    }

    private static void CheckPairs(ReadOnlySpan<double> actual, ReadOnlySpan<double> predicted)
    {
        if (actual.Length != predicted.Length) throw new ArgumentException($"{actual.Length} targets but {predicted.Length} predictions.", nameof(predicted));
        if (actual.Length == 0) throw new ArgumentException("No samples.", nameof(actual));
    }
}
