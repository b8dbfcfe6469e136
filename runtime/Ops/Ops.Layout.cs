using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// Layout ops: Flatten and Reshape keep the elements in order; Permute, Transpose, Concat and Slice move them. Each
// copies, so a result never aliases its input, and no backward keeps a forward value (only shapes and arguments).
public static partial class Ops
{
    /// <summary>
    /// Flattens every axis after the first: [N, d1, d2, …] → [N, d1·d2·…], as PyTorch's <c>nn.Flatten()</c>.
    /// The elements keep their row-major order.
    /// </summary>
    /// <exception cref="ArgumentException">x has fewer than two dimensions.</exception>
    public static Tensor Flatten(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 2)
        {
            throw new ArgumentException(
                $"Flatten keeps the first (batch) axis and joins the rest, so it needs at least 2 dimensions; got shape {Tensor.FormatShape(x.ShapeSpan)}.",
                nameof(x));
        }
        int rest = 1;
        for (int i = 1; i < x.Rank; i++) rest *= x.Size(i);
        return Relayout(x, [x.Size(0), rest], nameof(Flatten));
    }

    /// <summary>
    /// The same elements in row-major order under a new shape with the same element count. One dimension may be
    /// −1: it is inferred from the others.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The element counts differ, more than one dimension is −1, a dimension is otherwise negative, or −1 cannot
    /// be inferred because another dimension is 0.
    /// </exception>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        return Relayout(x, ResolveShape(x, shape), nameof(Reshape));
    }

    /// <summary><paramref name="shape"/> with its −1 (if any) replaced, after checking it fits x's element count.</summary>
    private static int[] ResolveShape(Tensor x, int[] shape)
    {
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1 && inferred < 0) inferred = i;
            else if (shape[i] < 0)
            {
                throw new ArgumentException(
                    $"Reshape accepts non-negative dimensions and at most one -1; got {Tensor.FormatShape(shape)}.", nameof(shape));
            }
            else known *= shape[i];
        }
        int[] resolved = (int[])shape.Clone();
        if (inferred >= 0)
        {
            if (known == 0 || x.Length % known != 0)
            {
                throw new ArgumentException(
                    $"Reshape cannot infer the -1 in {Tensor.FormatShape(shape)} for {x.Length} elements (shape {Tensor.FormatShape(x.ShapeSpan)}).",
                    nameof(shape));
            }
            resolved[inferred] = (int)(x.Length / known);
        }
        else if (known != x.Length)
        {
            throw new ArgumentException(
                $"Reshape to {Tensor.FormatShape(shape)} needs {known} elements; the input {Tensor.FormatShape(x.ShapeSpan)} has {x.Length}.",
                nameof(shape));
        }
        return resolved;
    }

    /// <summary>A copy of x under <paramref name="shape"/> (same element count), differentiable back to x's shape.</summary>
    private static Tensor Relayout(Tensor x, int[] shape, string name)
    {
        Tensor y = CopyAs(x, shape);
        return GradNode.Record(y, name, [x], dy => [CopyAs(dy, x.ShapeSpan)]);
    }

    private static Tensor CopyAs(Tensor source, ReadOnlySpan<int> shape)
    {
        Tensor copy = NewLike(source, shape);
        switch (source.DType)
        {
            case DType.Float32: source.Data<float>().CopyTo(copy.Data<float>()); break;
            case DType.Float64: source.Data<double>().CopyTo(copy.Data<double>()); break;
            default: source.Data<int>().CopyTo(copy.Data<int>()); break;
        }
        return copy;
    }

    /// <summary>
    /// Reorders the axes: output axis i is input axis <paramref name="dims"/>[i], as PyTorch's <c>x.permute(dims)</c>.
    /// The gradient is the output gradient permuted back by the inverse permutation; nothing is kept.
    /// </summary>
    /// <remarks>Compiled models keep the batch axis first: dims[0] must be 0 there.</remarks>
    /// <exception cref="ArgumentException">dims is not a permutation of 0 … rank − 1, or the rank exceeds 8.</exception>
    public static Tensor Permute(Tensor x, params int[] dims)
    {
        RequireFloatingPoint(x, nameof(Permute));
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length != x.Rank || x.Rank > Layout.MaxRank || !IsPermutation(dims))
        {
            throw new ArgumentException(
                $"Permute needs each axis of a rank-{x.Rank} tensor (shape {Tensor.FormatShape(x.ShapeSpan)}) exactly once; got dims {Tensor.FormatShape(dims)}.",
                nameof(dims));
        }
        return x.DType == DType.Float32 ? Permute<float>(x, (int[])dims.Clone()) : Permute<double>(x, (int[])dims.Clone());
    }

    /// <summary>Swaps two axes (negative axes count from the end), as PyTorch's <c>x.transpose(dim0, dim1)</c>; see <see cref="Permute(Tensor, int[])"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An axis is outside the tensor's rank.</exception>
    public static Tensor Transpose(Tensor x, int dim0, int dim1)
    {
        RequireFloatingPoint(x, nameof(Transpose));
        int a = NormalizeAxis(x, dim0, nameof(dim0)), b = NormalizeAxis(x, dim1, nameof(dim1));
        int[] dims = new int[x.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = i;
        (dims[a], dims[b]) = (dims[b], dims[a]);
        return Permute(x, dims);
    }

    /// <summary>
    /// Joins a and b along <paramref name="axis"/> (negative counts from the end), as PyTorch's <c>torch.cat([a, b], axis)</c>;
    /// every other dimension must match. The gradients are the two slices of the output gradient; nothing is kept.
    /// </summary>
    /// <remarks>Compiled models cannot concatenate along the batch axis 0.</remarks>
    /// <exception cref="ArgumentException">The dtypes or ranks differ, or another dimension differs.</exception>
    public static Tensor Concat(Tensor a, Tensor b, int axis)
    {
        RequireSameFloatingPoint(a, b, nameof(Concat), "first tensor", "second tensor");
        int k = NormalizeAxis(a, axis, nameof(axis));
        bool matches = a.Rank == b.Rank;
        for (int i = 0; matches && i < a.Rank; i++) matches = i == k || a.Size(i) == b.Size(i);
        if (!matches)
        {
            throw new ArgumentException(
                $"Concat along axis {k} needs tensors equal in every other axis; got {Tensor.FormatShape(a.ShapeSpan)} and {Tensor.FormatShape(b.ShapeSpan)}.");
        }
        return a.DType == DType.Float32 ? Concat<float>(a, b, k) : Concat<double>(a, b, k);
    }

    /// <summary>
    /// Positions <paramref name="start"/> … start + length − 1 of <paramref name="axis"/> (negative counts from the end),
    /// as PyTorch's <c>x.narrow(axis, start, length)</c>. The gradient scatters the output gradient into zeros; nothing is kept.
    /// </summary>
    /// <remarks>Compiled models cannot slice the batch axis 0.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The axis or the range lies outside the tensor.</exception>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        RequireFloatingPoint(x, nameof(Slice));
        int k = NormalizeAxis(x, axis, nameof(axis));
        if (start < 0 || length < 0 || start > x.Size(k) - length)
        {
            throw new ArgumentOutOfRangeException(nameof(start),
                $"Slice [{start}, {start + length}) does not lie in axis {k} of shape {Tensor.FormatShape(x.ShapeSpan)}.");
        }
        return x.DType == DType.Float32 ? Slice<float>(x, k, start, length) : Slice<double>(x, k, start, length);
    }

    private static Tensor Permute<T>(Tensor x, int[] dims) where T : IFloatingPointIeee754<T>
    {
        int[] shape = x.Shape, outShape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) outShape[i] = shape[dims[i]];
        Tensor y = NewLike(x, outShape);
        Layout.Permute<T>(x.Data<T>(), shape, dims, y.Data<T>());
        return GradNode.Record(y, nameof(Permute), [x], dy =>
        {
            Tensor dx = NewLike(x, shape);
            Layout.PermuteBackward<T>(dy.Data<T>(), shape, dims, dx.Data<T>());
            return [dx];
        });
    }

    private static Tensor Concat<T>(Tensor a, Tensor b, int axis) where T : IFloatingPointIeee754<T>
    {
        var (outer, inner) = OuterInner(a, axis);
        int aAxis = a.Size(axis), bAxis = b.Size(axis);
        int[] shape = a.Shape;
        shape[axis] = aAxis + bAxis;
        Tensor y = NewLike(a, shape);
        Layout.Concat<T>(a.Data<T>(), b.Data<T>(), outer, aAxis, bAxis, inner, y.Data<T>());
        return GradNode.Record(y, nameof(Concat), [a, b], dy =>
        {
            Tensor? da = null, db = null;
            if (a.RequiresGrad)
            {
                da = NewLike(a, a.ShapeSpan);
                Layout.Slice<T>(dy.Data<T>(), outer, aAxis + bAxis, inner, 0, aAxis, da.Data<T>());
            }
            if (b.RequiresGrad)
            {
                db = NewLike(b, b.ShapeSpan);
                Layout.Slice<T>(dy.Data<T>(), outer, aAxis + bAxis, inner, aAxis, bAxis, db.Data<T>());
            }
            return [da, db];
        });
    }

    private static Tensor Slice<T>(Tensor x, int axis, int start, int length) where T : IFloatingPointIeee754<T>
    {
        var (outer, inner) = OuterInner(x, axis);
        int size = x.Size(axis);
        int[] shape = x.Shape;
        shape[axis] = length;
        Tensor y = NewLike(x, shape);
        Layout.Slice<T>(x.Data<T>(), outer, size, inner, start, length, y.Data<T>());
        return GradNode.Record(y, nameof(Slice), [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            Layout.SliceBackward<T>(dy.Data<T>(), outer, size, inner, start, length, dx.Data<T>());
            return [dx];
        });
    }

    /// <summary>The products of the dimensions before and after <paramref name="axis"/>.</summary>
    private static (int Outer, int Inner) OuterInner(Tensor x, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= x.Size(i);
        for (int i = axis + 1; i < x.Rank; i++) inner *= x.Size(i);
        return (outer, inner);
    }

    private static int NormalizeAxis(Tensor x, int axis, string name)
    {
        int k = axis < 0 ? axis + x.Rank : axis;
        if ((uint)k >= (uint)x.Rank)
        {
            throw new ArgumentOutOfRangeException(name, axis, $"Axis {axis} is outside a tensor of shape {Tensor.FormatShape(x.ShapeSpan)}.");
        }
        return k;
    }

    private static bool IsPermutation(int[] dims)
    {
        var seen = new bool[dims.Length];
        foreach (int d in dims)
        {
            if ((uint)d >= (uint)dims.Length || seen[d]) return false;
            seen[d] = true;
        }
        return true;
    }
}
