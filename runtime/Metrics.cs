namespace ModelGen;

/// <summary>Evaluation helpers.</summary>
public static class Metrics
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
