using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

public static partial class Ops
{
    /// <summary>
    /// The embedding lookup of <see cref="ModelGen.Embedding"/>: Int32 <paramref name="ids"/> of shape [...] pick rows
    /// of <paramref name="weight"/> ([rows, dim]), giving [..., dim]. The gradient flows to the rows used, summed per
    /// id, except to row <paramref name="paddingIdx"/> (−1: none).
    /// </summary>
    /// <exception cref="ArgumentException">ids are not Int32, or weight is not a float matrix.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the table.</exception>
    internal static Tensor Embedding(Tensor ids, Tensor weight, int paddingIdx)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(weight);
        if (ids.DType != DType.Int32)
            throw new ArgumentException($"Embedding ids must be Int32 but are {ids.DType}; create them with Tensor.FromArray(int[] ids, shape).", nameof(ids));
        if (weight.Rank != 2 || !weight.DType.IsFloatingPoint())
            throw new ArgumentException($"An embedding table is a float matrix, but has shape {Tensor.FormatShape(weight.ShapeSpan)} and dtype {weight.DType}.", nameof(weight));
        int[] shape = [.. ids.ShapeSpan, weight.Size(1)];
        return weight.DType == DType.Float32 ? Embedding<float>(ids, weight, paddingIdx, shape) : Embedding<double>(ids, weight, paddingIdx, shape);
    }

    private static Tensor Embedding<T>(Tensor ids, Tensor weight, int paddingIdx, int[] shape) where T : IFloatingPointIeee754<T>
    {
        int dim = weight.Size(1);
        Tensor y = Tensor.Create(weight.DType, shape);
        Embeddings.Gather<T>(ids.AsReadOnlySpanInt32(), weight.ReadOnlyData<T>(), y.Data<T>(), dim);
        return GradNode.Record(y, "Embedding", [weight], dy =>
        {
            Tensor dw = Tensor.Create(weight.DType, weight.ShapeSpan);
            Embeddings.ScatterAdd<T>(ids.AsReadOnlySpanInt32(), dy.ReadOnlyData<T>(), dw.Data<T>(), dim, paddingIdx);
            return [dw];
        });
    }
}
