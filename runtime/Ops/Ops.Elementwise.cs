using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// Elementwise math, more activations, softmax over the last axis, and PReLU behind the PReLU layer. Each backward
// keeps exactly one forward value: the input or the output, as each op's doc says.
public static partial class Ops
{
    // A backward kernel that reads one saved forward value (the input or the output).
    private delegate void SavedBackwardKernel<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> saved, Span<T> dx);

    /// <summary>eˣ, elementwise. The backward keeps the output (d/dx = y).</summary>
    public static Tensor Exp(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Exp));
        return x.DType == DType.Float32
            ? Pointwise<float>(x, nameof(Exp), Elementwise.Exp, Elementwise.ExpBackward, keepsOutput: true)
            : Pointwise<double>(x, nameof(Exp), Elementwise.Exp, Elementwise.ExpBackward, keepsOutput: true);
    }

    /// <summary>ln x, elementwise (−∞ at 0, NaN below). The backward keeps the input (d/dx = 1/x).</summary>
    public static Tensor Log(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Log));
        return x.DType == DType.Float32
            ? Pointwise<float>(x, nameof(Log), Elementwise.Log, Elementwise.LogBackward, keepsOutput: false)
            : Pointwise<double>(x, nameof(Log), Elementwise.Log, Elementwise.LogBackward, keepsOutput: false);
    }

    /// <summary>√x, elementwise. The backward keeps the output (d/dx = 1/(2y)).</summary>
    public static Tensor Sqrt(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Sqrt));
        return x.DType == DType.Float32
            ? Pointwise<float>(x, nameof(Sqrt), Elementwise.Sqrt, Elementwise.SqrtBackward, keepsOutput: true)
            : Pointwise<double>(x, nameof(Sqrt), Elementwise.Sqrt, Elementwise.SqrtBackward, keepsOutput: true);
    }

    /// <summary>|x|, elementwise. The backward keeps the input (d/dx = sign x, 0 at 0 as PyTorch).</summary>
    public static Tensor Abs(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Abs));
        return x.DType == DType.Float32
            ? Pointwise<float>(x, nameof(Abs), Elementwise.Abs, Elementwise.AbsBackward, keepsOutput: false)
            : Pointwise<double>(x, nameof(Abs), Elementwise.Abs, Elementwise.AbsBackward, keepsOutput: false);
    }

    /// <summary>x raised to a constant <paramref name="exponent"/>, elementwise. The backward keeps the input (p·x^(p−1)).</summary>
    public static Tensor Pow(Tensor x, float exponent)
    {
        RequireFloatingPoint(x, nameof(Pow));
        return x.DType == DType.Float32 ? Pow<float>(x, exponent) : Pow<double>(x, exponent);
    }

    private static Tensor Pow<T>(Tensor x, float exponent) where T : IFloatingPointIeee754<T>
    {
        T p = T.CreateTruncating(exponent);
        return Pointwise<T>(x, nameof(Pow), (a, y) => Elementwise.Pow(a, p, y), (dy, a, dx) => Elementwise.PowBackward(dy, a, p, dx), false);
    }

    /// <summary>
    /// min(max(x, <paramref name="min"/>), <paramref name="max"/>), elementwise. The backward keeps the input: the
    /// gradient is 1 where min ≤ x ≤ max (inclusive, as PyTorch), else 0.
    /// </summary>
    /// <exception cref="ArgumentException">min is greater than max, or either is NaN.</exception>
    public static Tensor Clamp(Tensor x, float min, float max)
    {
        RequireFloatingPoint(x, nameof(Clamp));
        if (!(min <= max)) throw new ArgumentException($"Clamp needs min ≤ max, but min is {min} and max is {max}.");
        return x.DType == DType.Float32 ? Clamp<float>(x, min, max) : Clamp<double>(x, min, max);
    }

    private static Tensor Clamp<T>(Tensor x, float min, float max) where T : IFloatingPointIeee754<T>
    {
        T lo = T.CreateTruncating(min), hi = T.CreateTruncating(max);
        return Pointwise<T>(x, nameof(Clamp), (a, y) => Elementwise.Clamp(a, lo, hi, y), (dy, a, dx) => Elementwise.ClampBackward(dy, a, lo, hi, dx), false);
    }

    /// <summary>x where x &gt; 0, else <paramref name="negativeSlope"/>·x. The backward keeps the input.</summary>
    public static Tensor LeakyRelu(Tensor x, float negativeSlope = 0.01f)
    {
        RequireFloatingPoint(x, nameof(LeakyRelu));
        return x.DType == DType.Float32 ? LeakyRelu<float>(x, negativeSlope) : LeakyRelu<double>(x, negativeSlope);
    }

    private static Tensor LeakyRelu<T>(Tensor x, float negativeSlope) where T : IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(negativeSlope);
        return Pointwise<T>(x, nameof(LeakyRelu), (a, y) => Elementwise.LeakyRelu(a, s, y), (dy, a, dx) => Elementwise.LeakyReluBackward(dy, a, s, dx), false);
    }

    /// <summary>x where x &gt; 0, else <paramref name="alpha"/>·(eˣ − 1). The backward keeps the input.</summary>
    public static Tensor Elu(Tensor x, float alpha = 1f)
    {
        RequireFloatingPoint(x, nameof(Elu));
        return x.DType == DType.Float32 ? Elu<float>(x, alpha) : Elu<double>(x, alpha);
    }

    private static Tensor Elu<T>(Tensor x, float alpha) where T : IFloatingPointIeee754<T>
    {
        T a = T.CreateTruncating(alpha);
        return Pointwise<T>(x, nameof(Elu), (v, y) => Elementwise.Elu(v, a, y), (dy, v, dx) => Elementwise.EluBackward(dy, v, a, dx), false);
    }

    /// <summary>
    /// GELU: ½x(1 + erf(x/√2)), or with <paramref name="tanhApproximation"/> PyTorch's approximate='tanh' form
    /// ½x(1 + tanh(√(2/π)(x + 0.044715x³))). The backward keeps the input. erf is computed in double to about 1e-15.
    /// </summary>
    public static Tensor Gelu(Tensor x, bool tanhApproximation = false)
    {
        RequireFloatingPoint(x, nameof(Gelu));
        return x.DType == DType.Float32 ? Gelu<float>(x, tanhApproximation) : Gelu<double>(x, tanhApproximation);
    }

    private static Tensor Gelu<T>(Tensor x, bool tanh) where T : IFloatingPointIeee754<T>
        => Pointwise<T>(x, nameof(Gelu), (v, y) => Elementwise.Gelu(v, tanh, y), (dy, v, dx) => Elementwise.GeluBackward(dy, v, tanh, dx), false);

    /// <summary>SiLU (swish): x·σ(x). The backward keeps the input.</summary>
    public static Tensor Silu(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Silu));
        return x.DType == DType.Float32
            ? Pointwise<float>(x, nameof(Silu), Elementwise.Silu, Elementwise.SiluBackward, keepsOutput: false)
            : Pointwise<double>(x, nameof(Silu), Elementwise.Silu, Elementwise.SiluBackward, keepsOutput: false);
    }

    /// <summary>
    /// ln(1 + e^(βx))/β, and x itself where βx &gt; <paramref name="threshold"/> (as PyTorch). The backward keeps the
    /// input (σ(βx), or 1 above the threshold).
    /// </summary>
    /// <exception cref="ArgumentException">beta is zero or NaN.</exception>
    public static Tensor Softplus(Tensor x, float beta = 1f, float threshold = 20f)
    {
        RequireFloatingPoint(x, nameof(Softplus));
        if (beta == 0 || float.IsNaN(beta)) throw new ArgumentException($"Softplus needs a nonzero beta, but beta is {beta}.");
        return x.DType == DType.Float32 ? Softplus<float>(x, beta, threshold) : Softplus<double>(x, beta, threshold);
    }

    private static Tensor Softplus<T>(Tensor x, float beta, float threshold) where T : IFloatingPointIeee754<T>
    {
        T b = T.CreateTruncating(beta), t = T.CreateTruncating(threshold);
        return Pointwise<T>(x, nameof(Softplus), (v, y) => Elementwise.Softplus(v, b, t, y), (dy, v, dx) => Elementwise.SoftplusBackward(dy, v, b, t, dx), false);
    }

    /// <summary>
    /// Softmax over the last axis, exp(x − max)/Σ exp(x − max) (stable for large inputs). The backward keeps the
    /// output: dx = y ⊙ (dy − Σ dy ⊙ y).
    /// </summary>
    /// <exception cref="ArgumentException">x is a scalar.</exception>
    public static Tensor Softmax(Tensor x) => LastAxis(x, nameof(Softmax), log: false);

    /// <summary>
    /// Log-softmax over the last axis, x − max − ln Σ exp(x − max). The backward keeps the output:
    /// dx = dy − exp(y) · Σ dy.
    /// </summary>
    /// <exception cref="ArgumentException">x is a scalar.</exception>
    public static Tensor LogSoftmax(Tensor x) => LastAxis(x, nameof(LogSoftmax), log: true);

    private static Tensor LastAxis(Tensor x, string name, bool log)
    {
        RequireFloatingPoint(x, name);
        if (x.Rank == 0) throw new ArgumentException($"{name} works over the last axis, so it needs a tensor of rank ≥ 1; got a scalar.", nameof(x));
        int columns = x.Size(-1);
        if (columns == 0 || x.Length == 0) return Tensor.Create(x.DType, x.ShapeSpan);
        return x.DType == DType.Float32 ? LastAxis<float>(x, name, log, columns) : LastAxis<double>(x, name, log, columns);
    }

    private static Tensor LastAxis<T>(Tensor x, string name, bool log, int columns) where T : IFloatingPointIeee754<T>
        => log
            ? Pointwise<T>(x, name, (v, y) => Elementwise.LogSoftmax(v, y, columns), (dy, y, dx) => Elementwise.LogSoftmaxBackward(dy, y, dx, columns), true)
            : Pointwise<T>(x, name, (v, y) => Elementwise.Softmax(v, y, columns), (dy, y, dx) => Elementwise.SoftmaxBackward(dy, y, dx, columns), true);

    private static Tensor Pointwise<T>(Tensor x, string name, UnaryKernel<T> forward, SavedBackwardKernel<T> backward, bool keepsOutput)
        where T : IFloatingPointIeee754<T>
    {
        Tensor y = NewLike(x, x.ShapeSpan);
        forward(x.Data<T>(), y.Data<T>());
        Tensor saved = keepsOutput ? y : x;
        return GradNode.Record(y, name, [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            backward(dy.Data<T>(), saved.Data<T>(), dx.Data<T>());
            return [dx];
        });
    }

    /// <summary>
    /// PReLU behind <see cref="ModelGen.PReLU.Forward"/>: x where x &gt; 0, else weight[c]·x with c the channel
    /// (axis 1), or one slope for all. The backward keeps the input and the weight.
    /// </summary>
    internal static Tensor PRelu(Tensor x, Tensor weight)
    {
        RequireSameFloatingPoint(x, weight, "PReLU", "input", "weight");
        int channels = weight.Length == 1 ? 1 : x.Size(1), inner = 1;
        for (int i = 2; i < x.Rank && weight.Length != 1; i++) inner *= x.Size(i);
        if (x.Length == 0) return Tensor.Create(x.DType, x.ShapeSpan);
        return x.DType == DType.Float32 ? PRelu<float>(x, weight, channels, inner) : PRelu<double>(x, weight, channels, inner);
    }

    private static Tensor PRelu<T>(Tensor x, Tensor weight, int channels, int inner) where T : IFloatingPointIeee754<T>
    {
        Tensor y = NewLike(x, x.ShapeSpan);
        Elementwise.PRelu<T>(x.Data<T>(), weight.Data<T>(), y.Data<T>(), channels, inner);
        return GradNode.Record(y, "PReLU", [x, weight], dy =>
        {
            Tensor? dx = x.RequiresGrad ? NewLike(x, x.ShapeSpan) : null;
            Tensor? dw = weight.RequiresGrad ? NewLike(weight, weight.ShapeSpan) : null;
            Elementwise.PReluBackward<T>(dy.Data<T>(), x.Data<T>(), weight.Data<T>(),
                dx is null ? default : dx.Data<T>(), dw is null ? default : dw.Data<T>(), channels, inner);
            return [dx, dw];
        });
    }
}
