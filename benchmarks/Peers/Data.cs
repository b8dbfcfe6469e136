using MgTensor = ModelGen.Tensor;

namespace Peers;

/// <summary>Deterministic synthetic inputs (uniform [0, 1) pixels, uniform labels), as benchmarks/ModelGen.Benchmarks uses.</summary>
public static class Data
{
    /// <summary>A [rows, columns] float32 tensor of U[0, 1) values.</summary>
    public static MgTensor Rows(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++) values[i] = (float)rng.NextDouble();
        return MgTensor.FromArray(values, rows, columns);
    }

    /// <summary>A [batch, 1, 28, 28] float32 tensor of U[0, 1) values.</summary>
    public static MgTensor Images(int batch, int seed) => MgTensor.FromArray(Rows(batch, 784, seed).ToArray(), batch, 1, 28, 28);

    /// <summary>[batch] int32 labels in 0..9.</summary>
    public static MgTensor Labels(int batch, int seed)
    {
        var rng = new Random(seed);
        var labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = rng.Next(10);
        return MgTensor.FromArray(labels, batch);
    }
}
