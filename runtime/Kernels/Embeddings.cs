using System.Numerics;

namespace ModelGen.Kernels;

/// <summary>Embedding lookup, forward (a gather of rows) and backward (a scatter-add of rows), side by side.</summary>
public static class Embeddings
{
    /// <summary>Row <c>ids[i]</c> of <paramref name="weight"/> ([rows, dim]) into row i of <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, rows).</exception>
    public static void Gather<T>(ReadOnlySpan<int> ids, ReadOnlySpan<T> weight, Span<T> output, int dim) where T : INumberBase<T>
    {
        int rows = weight.Length / dim;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Embedding id {id} at position {i} is outside the table of {rows} rows [0, {rows}).");
            weight.Slice(id * dim, dim).CopyTo(output.Slice(i * dim, dim));
        }
    }

    /// <summary>
    /// The table's gradient: zeroes <paramref name="dWeight"/>, then adds row i of <paramref name="dy"/> to row
    /// <c>ids[i]</c>, except for <paramref name="paddingIdx"/> (−1: none), whose row stays zero.
    /// </summary>
    public static void ScatterAdd<T>(ReadOnlySpan<int> ids, ReadOnlySpan<T> dy, Span<T> dWeight, int dim, int paddingIdx) where T : INumberBase<T>
    {
        dWeight.Clear();
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if (id == paddingIdx) continue;
            Span<T> row = dWeight.Slice(id * dim, dim);
            ReadOnlySpan<T> source = dy.Slice(i * dim, dim);
            for (int j = 0; j < dim; j++) row[j] += source[j];
        }
    }
}
