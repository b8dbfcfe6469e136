using ModelGen.Data;
using Xunit;
using Xunit.Abstractions;

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

    /// <summary>
    /// Asserts the int8 Forward's outputs are within <paramref name="tolerance"/> of the largest float32 output of
    /// the float32 Forward's, and not equal to them (float32 cannot come out bit-identical, so the int8 path ran).
    /// Loose on purpose (random weights give small outputs): it catches a broken path, not a 1% drift.
    /// </summary>
    public static void AssertCloseToFloat32(ITestOutputHelper output, Tensor float32, Tensor int8, double tolerance)
    {
        float[] expected = float32.AsSpan().ToArray(), actual = int8.AsSpan().ToArray();
        double largest = expected.Max(Math.Abs), worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"largest output {largest:G4}, worst int8 error {worst:G4}");
        Assert.True(worst <= tolerance * largest, $"int8 outputs differ by up to {worst:G4} (largest {largest:G4})");
        Assert.False(expected.SequenceEqual(actual));
    }
}
