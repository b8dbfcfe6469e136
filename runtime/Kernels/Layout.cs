using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// Layout kernels on contiguous row-major tensors, forward and backward side by side: axis permutation, and
/// concatenation and slicing along one axis. Every kernel copies (no result aliases its input) and allocates nothing;
/// destinations are overwritten and must not overlap a source.
/// </summary>
/// <remarks>
/// Concat and Slice see a tensor as [outer, axis, inner]: outer is the product of the dimensions before the axis,
/// inner the product of those after it, so one kernel serves every rank and axis.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Layout
{
    /// <summary>The most dimensions <see cref="Permute{T}"/> takes (its index arithmetic lives on the stack).</summary>
    public const int MaxRank = 8;

    /// <summary>
    /// y = x with its axes reordered: output axis i is input axis dims[i], so y's shape is shape[dims[0]], shape[dims[1]], ….
    /// </summary>
    /// <exception cref="ArgumentException">dims is not a permutation of the axes, or a span is too short.</exception>
    public static void Permute<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> shape, ReadOnlySpan<int> dims, Span<T> y)
    {
        int rank = CheckPermutation(shape, dims);
        long count = Count(shape);
        CheckLength(x.Length, count, nameof(x));
        CheckLength(y.Length, count, nameof(y));
        Span<int> inputStrides = stackalloc int[MaxRank];
        Span<int> strides = stackalloc int[MaxRank];
        Span<int> sizes = stackalloc int[MaxRank];
        Span<int> index = stackalloc int[MaxRank];
        for (int axis = rank - 1, stride = 1; axis >= 0; axis--)
        {
            inputStrides[axis] = stride;
            stride *= shape[axis];
        }
        // Walk the output in order; strides[i] is how far the input moves when output axis i steps.
        for (int i = 0; i < rank; i++)
        {
            strides[i] = inputStrides[dims[i]];
            sizes[i] = shape[dims[i]];
            index[i] = 0;
        }
        int source = 0;
        for (long target = 0; target < count; target++)
        {
            y[(int)target] = x[source];
            for (int axis = rank - 1; axis >= 0; axis--)
            {
                source += strides[axis];
                if (++index[axis] < sizes[axis]) break;
                source -= strides[axis] * sizes[axis];
                index[axis] = 0;
            }
        }
    }

    /// <summary>
    /// dx from dy for <see cref="Permute{T}"/> of an input of <paramref name="shape"/>: dy permuted back by the inverse
    /// permutation (dx is overwritten).
    /// </summary>
    public static void PermuteBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> shape, ReadOnlySpan<int> dims, Span<T> dx)
    {
        int rank = CheckPermutation(shape, dims);
        Span<int> outputShape = stackalloc int[rank];
        Span<int> inverse = stackalloc int[rank];
        for (int i = 0; i < rank; i++)
        {
            outputShape[i] = shape[dims[i]];
            inverse[dims[i]] = i;
        }
        Permute<T>(dy, outputShape, inverse, dx);
    }

    /// <summary>
    /// y [outer, aAxis + bAxis, inner] = a [outer, aAxis, inner] followed by b [outer, bAxis, inner] along the middle axis.
    /// </summary>
    /// <exception cref="ArgumentException">A size is negative or a span is too short.</exception>
    public static void Concat<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int outer, int aAxis, int bAxis, int inner, Span<T> y)
    {
        CheckSizes(outer, aAxis, inner);
        CheckSizes(outer, bAxis, inner);
        int aRow = aAxis * inner, bRow = bAxis * inner;
        CheckLength(a.Length, (long)outer * aRow, nameof(a));
        CheckLength(b.Length, (long)outer * bRow, nameof(b));
        CheckLength(y.Length, (long)outer * (aRow + bRow), nameof(y));
        for (int o = 0; o < outer; o++)
        {
            a.Slice(o * aRow, aRow).CopyTo(y.Slice(o * (aRow + bRow), aRow));
            b.Slice(o * bRow, bRow).CopyTo(y.Slice(o * (aRow + bRow) + aRow, bRow));
        }
    }

    /// <summary>y [outer, length, inner] = x [outer, axis, inner] at axis positions start … start + length − 1.</summary>
    /// <exception cref="ArgumentException">The range leaves the axis, a size is negative, or a span is too short.</exception>
    public static void Slice<T>(ReadOnlySpan<T> x, int outer, int axis, int inner, int start, int length, Span<T> y)
    {
        CheckRange(outer, axis, inner, start, length);
        CheckLength(x.Length, (long)outer * axis * inner, nameof(x));
        CheckLength(y.Length, (long)outer * length * inner, nameof(y));
        int row = length * inner;
        for (int o = 0; o < outer; o++) x.Slice((o * axis + start) * inner, row).CopyTo(y.Slice(o * row, row));
    }

    /// <summary>
    /// dx [outer, axis, inner] from dy [outer, length, inner] for <see cref="Slice{T}"/>: dy at the sliced positions,
    /// zeros elsewhere (dx is overwritten). Concat's gradients are two such slices of its output gradient.
    /// </summary>
    public static void SliceBackward<T>(ReadOnlySpan<T> dy, int outer, int axis, int inner, int start, int length, Span<T> dx)
    {
        CheckRange(outer, axis, inner, start, length);
        CheckLength(dy.Length, (long)outer * length * inner, nameof(dy));
        CheckLength(dx.Length, (long)outer * axis * inner, nameof(dx));
        int row = length * inner;
        dx[..(outer * axis * inner)].Clear();
        for (int o = 0; o < outer; o++) dy.Slice(o * row, row).CopyTo(dx.Slice((o * axis + start) * inner, row));
    }

    private static int CheckPermutation(ReadOnlySpan<int> shape, ReadOnlySpan<int> dims)
    {
        int rank = shape.Length;
        if (dims.Length != rank || rank > MaxRank)
        {
            throw new ArgumentException($"Permute needs one entry per axis (at most {MaxRank}); got {dims.Length} for rank {rank}.", nameof(dims));
        }
        // A bit per axis: each must appear exactly once.
        int seen = 0;
        for (int i = 0; i < rank; i++)
        {
            if ((uint)dims[i] >= (uint)rank || (seen & (1 << dims[i])) != 0)
            {
                throw new ArgumentException($"Permute dims must list each axis 0..{rank - 1} once; entry {i} is {dims[i]}.", nameof(dims));
            }
            seen |= 1 << dims[i];
        }
        return rank;
    }

    private static long Count(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int size in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(size, nameof(shape));
            count *= size;
        }
        return count;
    }

    private static void CheckSizes(int outer, int axis, int inner)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outer);
        ArgumentOutOfRangeException.ThrowIfNegative(axis);
        ArgumentOutOfRangeException.ThrowIfNegative(inner);
    }

    private static void CheckRange(int outer, int axis, int inner, int start, int length)
    {
        CheckSizes(outer, axis, inner);
        if (start < 0 || length < 0 || start > axis - length)
        {
            throw new ArgumentException($"Slice [{start}, {start + length}) does not lie in an axis of {axis} elements.");
        }
    }

    private static void CheckLength(int actual, long required, string name)
    {
        if (actual < required) throw new ArgumentException($"Layout {name} has {actual} elements; the shape needs {required}.", name);
    }
}
