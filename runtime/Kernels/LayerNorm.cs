using System.ComponentModel;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

/// <summary>
/// Layer normalisation over the last axis, as PyTorch's <c>nn.LayerNorm</c> with a one-dimensional normalized shape:
/// x is [rows, F] row-major (any leading axes flattened into rows), each row is normalised by its own mean and biased
/// variance, y = (x − mean)·rstd·w + b with rstd = 1/√(var + ε). The forward saves [mean, rstd] per row, and that
/// (with x and w) is all the backward reads. Empty weight and bias spans mean no affine parameters. Both kernels
/// visit each row once while it is in cache and allocate nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LayerNorm
{
    /// <summary>
    /// y = (x − mean)·rstd·weight + bias per row of <paramref name="features"/> values; writes (mean, rstd) of row r
    /// to <paramref name="statistics"/>[2r] and [2r + 1] for the backward.
    /// </summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y,
        Span<T> statistics, int features, T eps) where T : IFloatingPointIeee754<T>
    {
        int rows = x.Length / features;
        T count = T.CreateTruncating(features);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> row = x.Slice(r * features, features);
            // Two passes over the row while it is in cache: the mean, then squared deviations from it (more accurate than E[x²] − mean²).
            T mean = System.Numerics.Tensors.TensorPrimitives.Sum(row) / count;
            T rstd = T.One / T.Sqrt(SquaredDeviations(row, mean) / count + eps);
            statistics[2 * r] = mean;
            statistics[2 * r + 1] = rstd;
            Normalize(row, mean, rstd, weight, bias, y.Slice(r * features, features));
        }
    }

    /// <summary>
    /// The gradients of <see cref="Forward{T}"/> from the saved statistics: dx = rstd·(dyw − mean(dyw) − x̂·mean(dyw·x̂))
    /// with dyw = dy·weight and x̂ = (x − mean)·rstd; dWeight = Σ dy·x̂ and dBias = Σ dy over the rows (overwritten, not
    /// added to). An empty dx, dWeight or dBias is not computed; an empty weight means none (dyw = dy).
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> statistics, ReadOnlySpan<T> weight,
        Span<T> dx, Span<T> dWeight, Span<T> dBias, int features) where T : IFloatingPointIeee754<T>
    {
        int rows = dy.Length / features;
        dWeight.Clear();
        dBias.Clear();
        T count = T.CreateTruncating(features);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<T> g = dy.Slice(r * features, features);
            if (!dBias.IsEmpty) System.Numerics.Tensors.TensorPrimitives.Add(dBias, g, dBias);
            // dbias alone reads neither x nor the statistics (the compiled code passes none).
            if (dWeight.IsEmpty && dx.IsEmpty) continue;
            ReadOnlySpan<T> row = x.Slice(r * features, features);
            T mean = statistics[2 * r], rstd = statistics[2 * r + 1];
            if (!dWeight.IsEmpty) AccumulateWeightGradient(g, row, mean, rstd, dWeight);
            if (dx.IsEmpty) continue;
            var (sum, dotXHat) = GradientSums(g, row, weight, mean, rstd);
            InputGradient(g, row, weight, mean, rstd, sum / count, dotXHat / count, dx.Slice(r * features, features));
        }
    }

    private static bool Vectorizes<T>(int length) => Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && length >= Vector256<T>.Count;

    private static T SquaredDeviations<T>(ReadOnlySpan<T> row, T mean) where T : IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vectorizes<T>(row.Length))
        {
            ref T start = ref MemoryMarshal.GetReference(row);
            Vector256<T> m = Vector256.Create(mean), acc = Vector256<T>.Zero;
            for (; i <= row.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> d = Vector256.LoadUnsafe(ref start, (nuint)i) - m;
                acc += d * d;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < row.Length; i++) sum += (row[i] - mean) * (row[i] - mean);
        return sum;
    }

    private static void Normalize<T>(ReadOnlySpan<T> row, T mean, T rstd, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y)
        where T : IFloatingPointIeee754<T>
    {
        bool affine = !weight.IsEmpty;
        int i = 0;
        if (Vectorizes<T>(row.Length))
        {
            ref T src = ref MemoryMarshal.GetReference(row), dst = ref MemoryMarshal.GetReference(y);
            Vector256<T> m = Vector256.Create(mean), s = Vector256.Create(rstd);
            for (; i <= row.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> v = (Vector256.LoadUnsafe(ref src, (nuint)i) - m) * s;
                if (affine)
                {
                    v = v * Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(weight), (nuint)i)
                        + Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(bias), (nuint)i);
                }
                v.StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < row.Length; i++)
        {
            T v = (row[i] - mean) * rstd;
            y[i] = affine ? v * weight[i] + bias[i] : v;
        }
    }

    private static void AccumulateWeightGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> row, T mean, T rstd, Span<T> dWeight)
        where T : IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vectorizes<T>(row.Length))
        {
            ref T g = ref MemoryMarshal.GetReference(dy), src = ref MemoryMarshal.GetReference(row), dst = ref MemoryMarshal.GetReference(dWeight);
            Vector256<T> m = Vector256.Create(mean), s = Vector256.Create(rstd);
            for (; i <= row.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> xHat = (Vector256.LoadUnsafe(ref src, (nuint)i) - m) * s;
                (Vector256.LoadUnsafe(ref dst, (nuint)i) + Vector256.LoadUnsafe(ref g, (nuint)i) * xHat).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < row.Length; i++) dWeight[i] += dy[i] * (row[i] - mean) * rstd;
    }

    /// <summary>Σ dyw and Σ dyw·x̂ over one row.</summary>
    private static (T Sum, T DotXHat) GradientSums<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> row, ReadOnlySpan<T> weight, T mean, T rstd)
        where T : IFloatingPointIeee754<T>
    {
        bool affine = !weight.IsEmpty;
        int i = 0;
        T sum = T.Zero, dot = T.Zero;
        if (Vectorizes<T>(row.Length))
        {
            ref T g = ref MemoryMarshal.GetReference(dy), src = ref MemoryMarshal.GetReference(row);
            Vector256<T> m = Vector256.Create(mean), s = Vector256.Create(rstd), sums = Vector256<T>.Zero, dots = Vector256<T>.Zero;
            for (; i <= row.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> dyw = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (affine) dyw *= Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(weight), (nuint)i);
                sums += dyw;
                dots += dyw * ((Vector256.LoadUnsafe(ref src, (nuint)i) - m) * s);
            }
            sum = Vector256.Sum(sums);
            dot = Vector256.Sum(dots);
        }
        for (; i < row.Length; i++)
        {
            T dyw = affine ? dy[i] * weight[i] : dy[i];
            sum += dyw;
            dot += dyw * (row[i] - mean) * rstd;
        }
        return (sum, dot);
    }

    private static void InputGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> row, ReadOnlySpan<T> weight, T mean, T rstd,
        T meanDyw, T meanDotXHat, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        bool affine = !weight.IsEmpty;
        int i = 0;
        if (Vectorizes<T>(row.Length))
        {
            ref T g = ref MemoryMarshal.GetReference(dy), src = ref MemoryMarshal.GetReference(row), dst = ref MemoryMarshal.GetReference(dx);
            Vector256<T> m = Vector256.Create(mean), s = Vector256.Create(rstd), a = Vector256.Create(meanDyw), c = Vector256.Create(meanDotXHat);
            for (; i <= row.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> dyw = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (affine) dyw *= Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(weight), (nuint)i);
                Vector256<T> xHat = (Vector256.LoadUnsafe(ref src, (nuint)i) - m) * s;
                (s * (dyw - a - xHat * c)).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < row.Length; i++)
        {
            T dyw = affine ? dy[i] * weight[i] : dy[i];
            dx[i] = rstd * (dyw - meanDyw - (row[i] - mean) * rstd * meanDotXHat);
        }
    }
}
