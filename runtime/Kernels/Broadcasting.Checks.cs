using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

// The elementwise operator dispatch and the argument checks, kept apart from the index arithmetic.
public static partial class Broadcasting
{
    private static void Apply<T>(BinaryOp op, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst) where T : IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, dst); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, dst); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, dst); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, dst); break;
            default: throw UnknownOp(op);
        }
    }

    private static void Apply<T>(BinaryOp op, ReadOnlySpan<T> a, T b, Span<T> dst) where T : IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, dst); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, dst); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, dst); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, dst); break;
            default: throw UnknownOp(op);
        }
    }

    private static void Apply<T>(BinaryOp op, T a, ReadOnlySpan<T> b, Span<T> dst) where T : IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(b, a, dst); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, dst); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(b, a, dst); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, dst); break;
            default: throw UnknownOp(op);
        }
    }

    private static T Apply<T>(BinaryOp op, T a, T b) where T : IFloatingPointIeee754<T> => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        _ => throw UnknownOp(op),
    };

    /// <summary>Throws unless <paramref name="dstShape"/> is exactly the broadcast of the two operand shapes.</summary>
    private static void CheckIsBroadcastOf(ReadOnlySpan<int> aShape, ReadOnlySpan<int> bShape, ReadOnlySpan<int> dstShape)
    {
        int rank = Math.Max(aShape.Length, bShape.Length);
        bool fits = dstShape.Length == rank;
        for (int d = 0; d < rank; d++)
        {
            int ad = DimFromEnd(aShape, rank - 1 - d), bd = DimFromEnd(bShape, rank - 1 - d);
            if (ad != bd && ad != 1 && bd != 1) throw Incompatible(aShape, bShape, d - rank);
            if (fits && dstShape[d] != (ad == 1 ? bd : ad)) fits = false;
        }
        if (!fits)
        {
            throw new ArgumentException(
                $"The destination shape {Tensor.FormatShape(dstShape)} is not the broadcast of {Tensor.FormatShape(aShape)} " +
                $"and {Tensor.FormatShape(bShape)}.", nameof(dstShape));
        }
    }

    /// <summary>Throws unless <paramref name="shape"/> broadcasts to <paramref name="target"/> without changing it.</summary>
    private static void CheckBroadcastsTo(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        bool fits = shape.Length <= target.Length;
        for (int i = 1; fits && i <= shape.Length; i++)
        {
            int own = shape[^i];
            fits = own == 1 || own == target[^i];
        }
        if (!fits)
        {
            throw new ArgumentException(
                $"Shape {Tensor.FormatShape(shape)} does not broadcast to {Tensor.FormatShape(target)}, so it cannot be summed back to it.");
        }
    }

    private static void CheckLength(int length, ReadOnlySpan<int> shape, string name)
    {
        long expected = 1;
        foreach (int dim in shape) expected *= dim;
        if (length != expected)
        {
            throw new ArgumentException($"{name} has {length} elements but its shape {Tensor.FormatShape(shape)} needs {expected}.", name);
        }
    }

    private static ArgumentException Incompatible(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int axisFromEnd) =>
        new($"Shapes {Tensor.FormatShape(a)} and {Tensor.FormatShape(b)} cannot be broadcast together: " +
            $"their sizes at axis {axisFromEnd} are neither equal nor 1.");

    private static ArgumentOutOfRangeException UnknownOp(BinaryOp op) => new(nameof(op), op, "Unknown binary operator.");
}
