using ModelGen.Kernels;

namespace ModelGen;

// Arithmetic operators, recorded for autograd like every op. Tensors broadcast as in NumPy and PyTorch
// (aligned at the last axis; a size-1 or missing axis stretches). A float constant takes the tensor's dtype.
public sealed partial class Tensor
{
    /// <summary>Elementwise a + b with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Binary(BinaryOp.Add, a, b);

    /// <summary>Elementwise a − b with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Binary(BinaryOp.Sub, a, b);

    /// <summary>Elementwise a · b with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Binary(BinaryOp.Mul, a, b);

    /// <summary>Elementwise a / b with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Binary(BinaryOp.Div, a, b);

    /// <summary>a + c for every element.</summary>
    public static Tensor operator +(Tensor a, float c) => Ops.Binary(BinaryOp.Add, a, c);

    /// <summary>a − c for every element.</summary>
    public static Tensor operator -(Tensor a, float c) => Ops.Binary(BinaryOp.Sub, a, c);

    /// <summary>a · c for every element.</summary>
    public static Tensor operator *(Tensor a, float c) => Ops.Binary(BinaryOp.Mul, a, c);

    /// <summary>a / c for every element.</summary>
    public static Tensor operator /(Tensor a, float c) => Ops.Binary(BinaryOp.Div, a, c);

    /// <summary>c + b for every element.</summary>
    public static Tensor operator +(float c, Tensor b) => Ops.Binary(BinaryOp.Add, c, b);

    /// <summary>c − b for every element.</summary>
    public static Tensor operator -(float c, Tensor b) => Ops.Binary(BinaryOp.Sub, c, b);

    /// <summary>c · b for every element.</summary>
    public static Tensor operator *(float c, Tensor b) => Ops.Binary(BinaryOp.Mul, c, b);

    /// <summary>c / b for every element.</summary>
    public static Tensor operator /(float c, Tensor b) => Ops.Binary(BinaryOp.Div, c, b);

    /// <summary>−x for every element.</summary>
    public static Tensor operator -(Tensor x) => Ops.Negate(x);
}
