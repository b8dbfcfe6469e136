using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen;

// The tensor operators + - * / (with broadcasting) and unary minus. Reached through Tensor's operators.
public static partial class Ops
{
    /// <summary>a op b with NumPy broadcasting; the gradient of a stretched operand is summed back to its shape.</summary>
    internal static Tensor Binary(BinaryOp op, Tensor a, Tensor b)
    {
        string name = op.ToString();
        RequireSameFloatingPoint(a, b, name, "left operand", "right operand");
        int[] shape = Broadcasting.BroadcastShapes(a.ShapeSpan, b.ShapeSpan);
        return a.DType == DType.Float32 ? Binary<float>(op, a, b, shape) : Binary<double>(op, a, b, shape);
    }

    /// <summary>a op c for a constant c, converted to a's dtype (so <c>x * 0.1f</c> multiplies a float64 x by (double)0.1f).</summary>
    internal static Tensor Binary(BinaryOp op, Tensor a, float c)
    {
        RequireFloatingPoint(a, op.ToString(), "left operand");
        return Binary(op, a, Tensor.ScalarOf(a.DType, c));
    }

    /// <summary>c op b for a constant c, converted to b's dtype.</summary>
    internal static Tensor Binary(BinaryOp op, float c, Tensor b)
    {
        RequireFloatingPoint(b, op.ToString(), "right operand");
        return Binary(op, Tensor.ScalarOf(b.DType, c), b);
    }

    /// <summary>−x, elementwise.</summary>
    internal static Tensor Negate(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Negate));
        return x.DType == DType.Float32 ? Negate<float>(x) : Negate<double>(x);
    }

    private static Tensor Negate<T>(Tensor x) where T : IFloatingPointIeee754<T>
    {
        Tensor y = NewLike(x, x.ShapeSpan);
        TensorPrimitives.Negate<T>(x.Data<T>(), y.Data<T>());
        return GradNode.Record(y, nameof(Negate), [x], dy => [Negated<T>(dy)]);
    }

    private static Tensor Binary<T>(BinaryOp op, Tensor a, Tensor b, int[] shape) where T : IFloatingPointIeee754<T>
    {
        Tensor y = NewLike(a, shape);
        Broadcasting.Binary<T>(op, a.Data<T>(), a.ShapeSpan, b.Data<T>(), b.ShapeSpan, y.Data<T>(), shape);
        return GradNode.Record(y, op.ToString(), [a, b], dy =>
        [
            a.RequiresGrad ? LeftGradient<T>(op, a, b, dy) : null,
            b.RequiresGrad ? RightGradient<T>(op, a, b, y, dy) : null,
        ]);
    }

    // d(a op b)/da · dy: dy for + and −, dy·b for ×, dy/b for ÷; then summed to a's shape.
    private static Tensor LeftGradient<T>(BinaryOp op, Tensor a, Tensor b, Tensor dy) where T : IFloatingPointIeee754<T> => op switch
    {
        BinaryOp.Add or BinaryOp.Sub => SumTo<T>(dy, a),
        BinaryOp.Mul => SumTo<T>(Broadcast<T>(BinaryOp.Mul, dy, b), a),
        _ => SumTo<T>(Broadcast<T>(BinaryOp.Div, dy, b), a),
    };

    // d(a op b)/db · dy: dy for +, −dy for −, dy·a for ×, −dy·a/b² = −dy·y/b for ÷; then summed to b's shape.
    private static Tensor RightGradient<T>(BinaryOp op, Tensor a, Tensor b, Tensor y, Tensor dy) where T : IFloatingPointIeee754<T> => op switch
    {
        BinaryOp.Add => SumTo<T>(dy, b),
        BinaryOp.Sub => Negated<T>(SumTo<T>(dy, b)),
        BinaryOp.Mul => SumTo<T>(Broadcast<T>(BinaryOp.Mul, dy, a), b),
        _ => Negated<T>(SumTo<T>(Broadcast<T>(BinaryOp.Div, Broadcast<T>(BinaryOp.Mul, dy, y), b), b)),
    };

    /// <summary>g op other, where g has the broadcast result's shape (no graph: gradients are not differentiated again).</summary>
    private static Tensor Broadcast<T>(BinaryOp op, Tensor g, Tensor other) where T : IFloatingPointIeee754<T>
    {
        Tensor result = NewLike(g, g.ShapeSpan);
        Broadcasting.Binary<T>(op, g.Data<T>(), g.ShapeSpan, other.Data<T>(), other.ShapeSpan, result.Data<T>(), g.ShapeSpan);
        return result;
    }

    /// <summary>The gradient <paramref name="g"/> summed down to <paramref name="operand"/>'s shape; g itself when no dimension was stretched.</summary>
    private static Tensor SumTo<T>(Tensor g, Tensor operand) where T : IFloatingPointIeee754<T>
    {
        if (g.ShapeSpan.SequenceEqual(operand.ShapeSpan)) return g;
        Tensor reduced = NewLike(operand, operand.ShapeSpan);
        Broadcasting.SumToShape<T>(g.Data<T>(), g.ShapeSpan, reduced.Data<T>(), operand.ShapeSpan, accumulate: false);
        return reduced;
    }

    private static Tensor Negated<T>(Tensor g) where T : IFloatingPointIeee754<T>
    {
        Tensor result = NewLike(g, g.ShapeSpan);
        TensorPrimitives.Negate<T>(g.Data<T>(), result.Data<T>());
        return result;
    }
}
