using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen;

// Full reductions to a scalar, and reductions along one axis.
public static partial class Ops
{
    /// <summary>The sum of all elements, as a scalar (rank 0) of x's dtype.</summary>
    public static Tensor Sum(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Sum));
        return x.DType == DType.Float32 ? Reduce<float>(x, nameof(Sum), mean: false) : Reduce<double>(x, nameof(Sum), mean: false);
    }

    /// <summary>The mean of all elements, as a scalar (rank 0) of x's dtype; NaN for an empty tensor, as in PyTorch.</summary>
    public static Tensor Mean(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Mean));
        return x.DType == DType.Float32 ? Reduce<float>(x, nameof(Mean), mean: true) : Reduce<double>(x, nameof(Mean), mean: true);
    }

    /// <summary>
    /// The sum along <paramref name="axis"/> (negative axes count from the end), like PyTorch's
    /// <c>x.sum(dim, keepdim)</c>: the axis is removed, or kept with size 1 when <paramref name="keepDims"/> is set.
    /// The backward keeps nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [−rank, rank).</exception>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => ReduceAxis(x, axis, keepDims, AxisReduction.Sum, nameof(Sum));

    /// <summary>
    /// The mean along <paramref name="axis"/> (negative axes count from the end), like PyTorch's
    /// <c>x.mean(dim, keepdim)</c>. The backward keeps nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [−rank, rank).</exception>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => ReduceAxis(x, axis, keepDims, AxisReduction.Mean, nameof(Mean));

    /// <summary>
    /// The maximum along <paramref name="axis"/> (negative axes count from the end), like PyTorch's
    /// <c>x.amax(dim, keepdim)</c> (the values of <c>x.max(dim, keepdim)</c>). The gradient goes to the first maximal
    /// element along the axis, as PyTorch's <c>max(dim)</c> routes it; the backward keeps the input and the output.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [−rank, rank).</exception>
    /// <exception cref="ArgumentException">The axis is empty.</exception>
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => ReduceAxis(x, axis, keepDims, AxisReduction.Max, nameof(Max));

    private enum AxisReduction { Sum, Mean, Max }

    private static Tensor ReduceAxis(Tensor x, int axis, bool keepDims, AxisReduction kind, string name)
    {
        RequireFloatingPoint(x, name);
        int rank = x.Rank;
        if (axis < -rank || axis >= rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis,
                $"{name}: axis {axis} is out of range for shape {Tensor.FormatShape(x.ShapeSpan)} (valid axes are {-rank} to {rank - 1}).");
        }
        if (axis < 0) axis += rank;
        ReadOnlySpan<int> shape = x.ShapeSpan;
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < rank; d++) inner *= shape[d];
        var reduced = new List<int>(rank);
        for (int d = 0; d < rank; d++)
        {
            if (d != axis) reduced.Add(shape[d]);
            else if (keepDims) reduced.Add(1);
        }
        int length = shape[axis];
        int[] resultShape = reduced.ToArray();
        return x.DType == DType.Float32
            ? ReduceAxis<float>(x, resultShape, outer, length, inner, kind, name)
            : ReduceAxis<double>(x, resultShape, outer, length, inner, kind, name);
    }

    private static Tensor ReduceAxis<T>(Tensor x, int[] shape, int outer, int length, int inner, AxisReduction kind, string name)
        where T : IFloatingPointIeee754<T>
    {
        Tensor y = NewLike(x, shape);
        switch (kind)
        {
            case AxisReduction.Sum: Reductions.SumAxis<T>(x.Data<T>(), y.Data<T>(), outer, length, inner); break;
            case AxisReduction.Mean: Reductions.MeanAxis<T>(x.Data<T>(), y.Data<T>(), outer, length, inner); break;
            default: Reductions.MaxAxis<T>(x.Data<T>(), y.Data<T>(), outer, length, inner); break;
        }
        return GradNode.Record(y, name, [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            if (kind == AxisReduction.Max)
                Reductions.MaxAxisBackward<T>(dy.Data<T>(), x.Data<T>(), y.Data<T>(), dx.Data<T>(), outer, length, inner);
            else
                Reductions.SumAxisBackward<T>(dy.Data<T>(), dx.Data<T>(), outer, length, inner,
                    kind == AxisReduction.Mean ? T.One / T.CreateChecked(length) : T.One);
            return [dx];
        });
    }

    private static Tensor Reduce<T>(Tensor x, string name, bool mean) where T : IFloatingPointIeee754<T>
    {
        T count = T.CreateChecked(x.Length);
        T sum = TensorPrimitives.Sum<T>(x.Data<T>());
        Tensor y = NewLike(x, []);
        y.Data<T>()[0] = mean ? sum / count : sum;
        return GradNode.Record(y, name, [x], dy =>
        {
            // Every element contributed once (divided by the count for a mean).
            Tensor dx = NewLike(x, x.ShapeSpan);
            T g = ScalarValue<T>(dy);
            dx.Data<T>().Fill(mean ? g / count : g);
            return [dx];
        });
    }
}
