namespace ModelGen;

/// <summary>
/// Evaluation metrics: classification from logits or labels (<c>Metrics.Classification.cs</c>), ranking of binary
/// scores (<c>Metrics.Ranking.cs</c>) and regression (<c>Metrics.Regression.cs</c>), with scikit-learn's definitions and
/// conventions. Sums run in float64.
/// </summary>
public static partial class Metrics
{
    /// <summary>How many rows of <paramref name="logits"/> [N, C] have their largest value at the row's label.</summary>
    public static int CountCorrect(Tensor logits, ReadOnlySpan<int> labels)
    {
        if (logits.Rank != 2) throw new ArgumentException($"logits must be [N, C] but are [{string.Join(", ", logits.Shape)}].", nameof(logits));
        int rows = logits.Size(0), classes = logits.Size(1);
        if (labels.Length != rows) throw new ArgumentException($"{labels.Length} labels for {rows} rows.", nameof(labels));
        ReadOnlySpan<float> values = logits.AsSpan();
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = values.Slice(r * classes, classes);
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == labels[r]) correct++;
        }
        return correct;
    }
}
