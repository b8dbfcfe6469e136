using ModelGen.Data;

namespace ModelGen.Tests.Quantization;

/// <summary>Calibration batches and accuracy for the quantisation tests.</summary>
internal static class QuantizationData
{
    /// <summary>Fresh tensors (not the loader's reused buffer) of the first <paramref name="count"/> rows of data.</summary>
    public static List<Tensor> Batches(Dataset data, int count, int batch, params int[] sampleShape)
    {
        var batches = new List<Tensor>();
        for (int start = 0; start < count; start += batch)
        {
            int rows = Math.Min(batch, count - start);
            int[] shape = [rows, .. (sampleShape.Length > 0 ? sampleShape : [data.FeatureCount])];
            Tensor x = Tensor.Zeros(shape);
            data.Features.AsSpan(start * data.FeatureCount, rows * data.FeatureCount).CopyTo(x.AsSpan());
            batches.Add(x);
        }
        return batches;
    }

    /// <summary>The fraction of <paramref name="eval"/> that <paramref name="forward"/> classifies correctly.</summary>
    public static double Accuracy(Func<Tensor, Tensor> forward, Dataset eval, int[]? sampleShape = null)
    {
        int correct = 0;
        foreach (var (x, y) in new DataLoader(eval, 250, shuffle: false, sampleShape: sampleShape).Epoch(0))
            correct += Metrics.CountCorrect(forward(x), y.AsSpanInt32());
        return (double)correct / eval.Count;
    }
}
