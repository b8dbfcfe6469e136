using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

/// <summary>An elementwise arithmetic operator.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum BinaryOp
{
    /// <summary>a + b.</summary>
    Add,
    /// <summary>a − b.</summary>
    Sub,
    /// <summary>a · b.</summary>
    Mul,
    /// <summary>a / b.</summary>
    Div,
}

/// <summary>
/// NumPy/PyTorch broadcasting: shapes are aligned at their last dimension, and a dimension of 1 (or a missing
/// leading one) stretches to match the other operand. <see cref="Binary"/> computes a broadcast result;
/// <see cref="SumToShape"/> is its adjoint, summing a gradient back to the shape of a stretched operand.
/// </summary>
/// <remarks>
/// The span kernels do not allocate (index arrays live on the stack). A destination may be the same span as an
/// operand of its own shape, but must not partially overlap one.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Broadcasting
{
    // Index arrays up to this rank live on the stack; beyond it (never in practice) on the heap.
    private const int MaxStackRank = 16;

    /// <summary>The shape of a broadcast result.</summary>
    /// <exception cref="ArgumentException">A dimension pair is unequal and neither is 1; the message names both shapes.</exception>
    public static int[] BroadcastShapes(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int ad = DimFromEnd(a, rank - 1 - d), bd = DimFromEnd(b, rank - 1 - d);
            result[d] = ad == bd || bd == 1 ? ad
                : ad == 1 ? bd
                : throw Incompatible(a, b, d - rank);
        }
        return result;
    }

    /// <summary>dst = a op b, with a and b broadcast to <paramref name="dstShape"/>.</summary>
    /// <param name="op">The operator.</param>
    /// <param name="a">The left operand, row-major, <c>product(aShape)</c> long.</param>
    /// <param name="aShape">The left operand's shape.</param>
    /// <param name="b">The right operand, row-major, <c>product(bShape)</c> long.</param>
    /// <param name="bShape">The right operand's shape.</param>
    /// <param name="dst">The result, row-major, <c>product(dstShape)</c> long.</param>
    /// <param name="dstShape">Must equal <see cref="BroadcastShapes"/>(aShape, bShape).</param>
    public static void Binary<T>(BinaryOp op, ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b,
        ReadOnlySpan<int> bShape, Span<T> dst, ReadOnlySpan<int> dstShape) where T : IFloatingPointIeee754<T>
    {
        CheckIsBroadcastOf(aShape, bShape, dstShape);
        CheckLength(a.Length, aShape, nameof(a));
        CheckLength(b.Length, bShape, nameof(b));
        CheckLength(dst.Length, dstShape, nameof(dst));
        if (dst.IsEmpty) return;

        // Lengths decide the fast paths: an operand as long as the result has the result's layout.
        if (a.Length == dst.Length && b.Length == dst.Length) Apply(op, a, b, dst);
        else if (a.Length == dst.Length && b.Length == 1) Apply(op, a, b[0], dst);
        else if (b.Length == dst.Length && a.Length == 1) Apply(op, a[0], b, dst);
        else if (a.Length == dst.Length && IsTrailingSuffix(bShape, dstShape))
        {
            for (int i = 0; i < dst.Length; i += b.Length) Apply(op, a.Slice(i, b.Length), b, dst.Slice(i, b.Length));
        }
        else if (b.Length == dst.Length && IsTrailingSuffix(aShape, dstShape))
        {
            for (int i = 0; i < dst.Length; i += a.Length) Apply(op, a, b.Slice(i, a.Length), dst.Slice(i, a.Length));
        }
        else General(op, a, aShape, b, bShape, dst, dstShape);
    }

    /// <summary>
    /// Sums <paramref name="src"/> over the dimensions in which <paramref name="dstShape"/> was broadcast to
    /// <paramref name="srcShape"/>: the gradient of an operand from the gradient of a broadcast result.
    /// </summary>
    /// <param name="src">The values to reduce, row-major.</param>
    /// <param name="srcShape">Their shape (a broadcast result's).</param>
    /// <param name="dst">The reduced values, row-major.</param>
    /// <param name="dstShape">A shape that broadcasts to <paramref name="srcShape"/>.</param>
    /// <param name="accumulate">Add into <paramref name="dst"/> instead of overwriting it.</param>
    public static void SumToShape<T>(ReadOnlySpan<T> src, ReadOnlySpan<int> srcShape, Span<T> dst,
        ReadOnlySpan<int> dstShape, bool accumulate) where T : IFloatingPointIeee754<T>
    {
        CheckBroadcastsTo(dstShape, srcShape);
        CheckLength(src.Length, srcShape, nameof(src));
        CheckLength(dst.Length, dstShape, nameof(dst));
        if (!accumulate) dst.Clear();
        if (src.IsEmpty) return;

        if (dst.Length == src.Length) TensorPrimitives.Add(dst, src, dst);
        else if (dst.Length == 1) dst[0] += TensorPrimitives.Sum(src);
        else if (IsTrailingSuffix(dstShape, srcShape))
        {
            for (int i = 0; i < src.Length; i += dst.Length) TensorPrimitives.Add(dst, src.Slice(i, dst.Length), dst);
        }
        else SumToShapeGeneral(src, srcShape, dst, dstShape);
    }

    /// <summary>Column sums of a [rows, cols] matrix (the gradient of a bias added to every row).</summary>
    /// <param name="src">[rows, cols], row-major.</param>
    /// <param name="rows">The number of rows.</param>
    /// <param name="cols">The number of columns.</param>
    /// <param name="dst">[cols].</param>
    /// <param name="accumulate">Add into <paramref name="dst"/> instead of overwriting it.</param>
    public static void SumRows<T>(ReadOnlySpan<T> src, int rows, int cols, Span<T> dst, bool accumulate = false)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        if (src.Length != (long)rows * cols) throw new ArgumentException($"src has {src.Length} elements, not {rows} x {cols}.", nameof(src));
        if (dst.Length != cols) throw new ArgumentException($"dst has {dst.Length} elements, not {cols}.", nameof(dst));
        if (!accumulate) dst.Clear();
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(dst, src.Slice(r * cols, cols), dst);
    }

    // The odometer walk: dimensions 0..rank-2 advance an index; the last one is a row handed to Apply.
    private static void General<T>(BinaryOp op, ReadOnlySpan<T> a, ReadOnlySpan<int> aShape, ReadOnlySpan<T> b,
        ReadOnlySpan<int> bShape, Span<T> dst, ReadOnlySpan<int> dstShape) where T : IFloatingPointIeee754<T>
    {
        int rank = dstShape.Length;
        Span<int> aStrides = rank <= MaxStackRank ? stackalloc int[MaxStackRank] : new int[rank];
        Span<int> bStrides = rank <= MaxStackRank ? stackalloc int[MaxStackRank] : new int[rank];
        Span<int> index = rank <= MaxStackRank ? stackalloc int[MaxStackRank] : new int[rank];
        BroadcastStrides(aShape, dstShape, aStrides);
        BroadcastStrides(bShape, dstShape, bStrides);
        index.Clear();

        int inner = dstShape[rank - 1];
        int aInner = aStrides[rank - 1], bInner = bStrides[rank - 1];
        int aOffset = 0, bOffset = 0;
        for (int dOffset = 0; dOffset < dst.Length; dOffset += inner)
        {
            Span<T> row = dst.Slice(dOffset, inner);
            // The innermost stride is 1 (a real dimension) or 0 (a stretched one).
            if (aInner == 1 && bInner == 1) Apply(op, a.Slice(aOffset, inner), b.Slice(bOffset, inner), row);
            else if (aInner == 1) Apply(op, a.Slice(aOffset, inner), b[bOffset], row);
            else if (bInner == 1) Apply(op, a[aOffset], b.Slice(bOffset, inner), row);
            else row.Fill(Apply(op, a[aOffset], b[bOffset]));

            for (int d = rank - 2; d >= 0; d--)
            {
                aOffset += aStrides[d];
                bOffset += bStrides[d];
                if (++index[d] < dstShape[d]) break;
                aOffset -= aStrides[d] * dstShape[d];
                bOffset -= bStrides[d] * dstShape[d];
                index[d] = 0;
            }
        }
    }

    private static void SumToShapeGeneral<T>(ReadOnlySpan<T> src, ReadOnlySpan<int> srcShape, Span<T> dst,
        ReadOnlySpan<int> dstShape) where T : IFloatingPointIeee754<T>
    {
        int rank = srcShape.Length;
        Span<int> dstStrides = rank <= MaxStackRank ? stackalloc int[MaxStackRank] : new int[rank];
        Span<int> index = rank <= MaxStackRank ? stackalloc int[MaxStackRank] : new int[rank];
        BroadcastStrides(dstShape, srcShape, dstStrides);
        index.Clear();

        int inner = srcShape[rank - 1];
        int dInner = dstStrides[rank - 1];
        int dOffset = 0;
        for (int sOffset = 0; sOffset < src.Length; sOffset += inner)
        {
            ReadOnlySpan<T> row = src.Slice(sOffset, inner);
            if (dInner == 1) TensorPrimitives.Add(dst.Slice(dOffset, inner), row, dst.Slice(dOffset, inner));
            else dst[dOffset] += TensorPrimitives.Sum(row);

            for (int d = rank - 2; d >= 0; d--)
            {
                dOffset += dstStrides[d];
                if (++index[d] < srcShape[d]) break;
                dOffset -= dstStrides[d] * srcShape[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>
    /// The row-major strides of <paramref name="shape"/> laid over <paramref name="target"/> (right-aligned),
    /// with 0 for every dimension that is missing or stretched from 1.
    /// </summary>
    private static void BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> target, Span<int> strides)
    {
        int offset = target.Length - shape.Length;
        int stride = 1;
        for (int d = target.Length - 1; d >= 0; d--)
        {
            int own = d >= offset ? shape[d - offset] : 1;
            strides[d] = own == 1 ? 0 : stride;
            stride *= own;
        }
    }

    /// <summary>True when <paramref name="shape"/>, less its leading 1s, equals the last dimensions of <paramref name="target"/>.</summary>
    private static bool IsTrailingSuffix(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        int start = 0;
        while (start < shape.Length && shape[start] == 1) start++;
        ReadOnlySpan<int> core = shape[start..];
        return core.Length <= target.Length && core.SequenceEqual(target[(target.Length - core.Length)..]);
    }

    private static int DimFromEnd(ReadOnlySpan<int> shape, int fromEnd) =>
        fromEnd < shape.Length ? shape[shape.Length - 1 - fromEnd] : 1;
}
