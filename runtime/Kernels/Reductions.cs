using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

/// <summary>
/// Reductions along one axis, forward and backward side by side. A tensor is seen as [outer, length, inner]: the
/// product of the dimensions before the axis, the axis itself and the product of those after it; the result is
/// [outer, inner]. None of them allocates.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Reductions
{
    /// <summary>y[o, i] = Σ_a x[o, a, i].</summary>
    public static void SumAxis<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int length, int inner) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, outer, length, inner);
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<T> block = x.Slice(o * length * inner, length * inner);
            if (inner == 1)
            {
                y[o] = TensorPrimitives.Sum(block);
                continue;
            }
            // Whole rows at a time: the inner dimension is contiguous, so each add is one vectorised pass.
            Span<T> row = y.Slice(o * inner, inner);
            row.Clear();
            for (int a = 0; a < length; a++) TensorPrimitives.Add(row, block.Slice(a * inner, inner), row);
        }
    }

    /// <summary>y[o, i] = Σ_a x[o, a, i] / length (NaN for an empty axis, as PyTorch's mean of nothing).</summary>
    public static void MeanAxis<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int length, int inner) where T : IFloatingPointIeee754<T>
    {
        SumAxis(x, y, outer, length, inner);
        TensorPrimitives.Divide(y, T.CreateChecked(length), y);
    }

    /// <summary>
    /// The backward of <see cref="SumAxis{T}"/> (scale 1) and <see cref="MeanAxis{T}"/> (scale 1/length):
    /// dx[o, a, i] = dy[o, i] · scale, overwriting <paramref name="dx"/>.
    /// </summary>
    public static void SumAxisBackward<T>(ReadOnlySpan<T> dy, Span<T> dx, int outer, int length, int inner, T scale)
        where T : IFloatingPointIeee754<T>
    {
        Check(dx.Length, dy.Length, outer, length, inner);
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<T> row = dy.Slice(o * inner, inner);
            for (int a = 0; a < length; a++) TensorPrimitives.Multiply(row, scale, dx.Slice((o * length + a) * inner, inner));
        }
    }

    /// <summary>y[o, i] = max_a x[o, a, i]; NaN if any element along the axis is NaN, as PyTorch's max.</summary>
    /// <exception cref="ArgumentException">The axis is empty (a maximum of nothing is undefined).</exception>
    public static void MaxAxis<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int length, int inner) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, outer, length, inner);
        if (length == 0 && outer * inner > 0) throw new ArgumentException("Max over an empty axis is undefined.");
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<T> block = x.Slice(o * length * inner, length * inner);
            if (inner == 1)
            {
                y[o] = TensorPrimitives.Max(block);
                continue;
            }
            // TensorPrimitives.Max propagates NaN, so the rowwise maximum does too.
            Span<T> row = y.Slice(o * inner, inner);
            block.Slice(0, inner).CopyTo(row);
            for (int a = 1; a < length; a++) TensorPrimitives.Max(row, block.Slice(a * inner, inner), row);
        }
    }

    /// <summary>
    /// The backward of <see cref="MaxAxis{T}"/>: each dy[o, i] goes to the first a whose x[o, a, i] equals the
    /// maximum y[o, i] (a NaN maximum matches the first NaN), as PyTorch routes it; dx is zero elsewhere.
    /// Reads the saved input and output instead of an index buffer.
    /// </summary>
    public static void MaxAxisBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> dx, int outer, int length, int inner)
        where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, outer, length, inner);
        Check(dx.Length, dy.Length, outer, length, inner);
        dx.Clear();
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                T max = y[o * inner + i];
                bool nan = T.IsNaN(max);
                for (int a = 0; a < length; a++)
                {
                    int at = (o * length + a) * inner + i;
                    if (x[at] == max || (nan && T.IsNaN(x[at])))
                    {
                        dx[at] = dy[o * inner + i];
                        break;
                    }
                }
            }
        }
    }

    private static void Check(int full, int reduced, int outer, int length, int inner)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outer);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfNegative(inner);
        if (full != (long)outer * length * inner || reduced != (long)outer * inner)
        {
            throw new ArgumentException(
                $"An axis reduction of [{outer}, {length}, {inner}] needs {(long)outer * length * inner} and {(long)outer * inner} elements; got {full} and {reduced}.");
        }
    }
}
