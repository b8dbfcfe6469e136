using ModelGen.Autograd;

namespace ModelGen;

// Shape changes that keep the elements in order: Flatten and Reshape. Each copies, so a result never aliases its
// input; the gradient is the output gradient read back in the input's shape.
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
}
