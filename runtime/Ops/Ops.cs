using System.Numerics;

namespace ModelGen;

/// <summary>
/// The eager operators. Each runs its kernel immediately and, when an input requires a gradient, records how to
/// differentiate it, so that <see cref="Tensor.Backward"/> can walk back from a loss. The generator knows
/// exactly these operators (plus the tensor operators and <see cref="Linear.Forward"/>) and compiles the same
/// calls into fused code; the eager results are the reference the compiled ones are tested against.
/// </summary>
/// <remarks>
/// Every op accepts <see cref="DType.Float32"/> and <see cref="DType.Float64"/> tensors (float64 serves gradient
/// checks) and produces its result in the inputs' dtype; inputs of different dtypes are an error.
/// </remarks>
public static partial class Ops
{
    // The kernel shapes that the generic op bodies pass around.
    private delegate void UnaryKernel<T>(ReadOnlySpan<T> x, Span<T> y);
    private delegate void UnaryBackwardKernel<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx);

    /// <summary>Throws unless <paramref name="x"/> holds floating-point elements.</summary>
    internal static void RequireFloatingPoint(Tensor x, string op, string role = "input")
    {
        ArgumentNullException.ThrowIfNull(x, role);
        if (!x.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"{op} needs a Float32 or Float64 {role}; got a {x.DType} tensor of shape {Tensor.FormatShape(x.ShapeSpan)}.");
        }
    }

    /// <summary>Throws unless both tensors are floating-point of the same dtype.</summary>
    internal static void RequireSameFloatingPoint(Tensor a, Tensor b, string op, string roleA, string roleB)
    {
        RequireFloatingPoint(a, op, roleA);
        RequireFloatingPoint(b, op, roleB);
        if (a.DType != b.DType)
        {
            throw new ArgumentException(
                $"{op}: the {roleA} is {a.DType} but the {roleB} is {b.DType}. Ops do not mix dtypes; " +
                "convert one side with CastInPlace (or the model with model.CastInPlace) first.");
        }
    }

    /// <summary>A result of the given shape in <paramref name="like"/>'s dtype.</summary>
    private static Tensor NewLike(Tensor like, ReadOnlySpan<int> shape) => Tensor.Create(like.DType, shape);

    /// <summary>The single value of a one-element gradient, in the op's precision.</summary>
    private static T ScalarValue<T>(Tensor t) where T : IFloatingPointIeee754<T> => t.Data<T>()[0];
}
