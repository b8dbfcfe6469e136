using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

/// <summary>
/// Elementwise math and activations, forward and backward side by side, with PyTorch's semantics. Each backward
/// reads the one forward value its doc names (the input x or the output y), so a caller keeps only that alive.
/// Destinations may be the same span as an input (in place) but must not partially overlap one. Nothing here
/// allocates.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Elementwise
{
    /// <summary>y = exp(x).</summary>
    public static void Exp<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        TensorPrimitives.Exp(x, y);
    }

    /// <summary>dx = dy · y (reads the output).</summary>
    public static void ExpBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, y.Length, dx.Length);
        TensorPrimitives.Multiply(dy, y, dx);
    }

    /// <summary>y = ln(x); −∞ at 0 and NaN below, as PyTorch.</summary>
    public static void Log<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        TensorPrimitives.Log(x, y);
    }

    /// <summary>dx = dy / x (reads the input).</summary>
    public static void LogBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        TensorPrimitives.Divide(dy, x, dx);
    }

    /// <summary>y = √x.</summary>
    public static void Sqrt<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        TensorPrimitives.Sqrt(x, y);
    }

    /// <summary>dx = dy / (2y) (reads the output); +∞·dy at 0, as PyTorch.</summary>
    public static void SqrtBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, y.Length, dx.Length);
        T two = T.CreateTruncating(2);
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] / (two * y[i]);
    }

    /// <summary>y = |x|.</summary>
    public static void Abs<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        TensorPrimitives.Abs(x, y);
    }

    /// <summary>dx = dy · sign(x) (reads the input); 0 at x = 0, as PyTorch.</summary>
    public static void AbsBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > T.Zero ? dy[i] : x[i] < T.Zero ? -dy[i] : T.Zero;
    }

    /// <summary>y = x^p for a constant exponent p.</summary>
    public static void Pow<T>(ReadOnlySpan<T> x, T p, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        TensorPrimitives.Pow(x, p, y);
    }

    /// <summary>dx = dy · p · x^(p−1) (reads the input); 0 when p = 0, as PyTorch.</summary>
    public static void PowBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, T p, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        if (p == T.Zero) { dx.Clear(); return; }
        T q = p - T.One;
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * p * T.Pow(x[i], q);
    }

    /// <summary>y = min(max(x, min), max).</summary>
    public static void Clamp<T>(ReadOnlySpan<T> x, T min, T max, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        for (int i = 0; i < y.Length; i++) y[i] = T.Min(T.Max(x[i], min), max);
    }

    /// <summary>dx = dy where min ≤ x ≤ max (inclusive, as PyTorch), else 0 (reads the input).</summary>
    public static void ClampBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, T min, T max, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] >= min && x[i] <= max ? dy[i] : T.Zero;
    }

    /// <summary>y = x where x &gt; 0, else slope · x.</summary>
    public static void LeakyRelu<T>(ReadOnlySpan<T> x, T slope, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        for (int i = 0; i < y.Length; i++) y[i] = x[i] > T.Zero ? x[i] : slope * x[i];
    }

    /// <summary>dx = dy where x &gt; 0, else slope · dy (reads the input).</summary>
    public static void LeakyReluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, T slope, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > T.Zero ? dy[i] : slope * dy[i];
    }

    /// <summary>y = x where x &gt; 0, else α(eˣ − 1).</summary>
    public static void Elu<T>(ReadOnlySpan<T> x, T alpha, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        for (int i = 0; i < y.Length; i++) y[i] = x[i] > T.Zero ? x[i] : alpha * T.ExpM1(x[i]);
    }

    /// <summary>dx = dy where x &gt; 0, else dy · α·eˣ (reads the input).</summary>
    public static void EluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, T alpha, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > T.Zero ? dy[i] : dy[i] * alpha * T.Exp(x[i]);
    }

    /// <summary>
    /// GELU: exact y = ½x(1 + erf(x/√2)), or with <paramref name="tanhApproximation"/> PyTorch's
    /// approximate='tanh' form y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    /// </summary>
    public static void Gelu<T>(ReadOnlySpan<T> x, bool tanhApproximation, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        T half = T.CreateTruncating(0.5);
        if (tanhApproximation)
        {
            T k = T.CreateTruncating(GeluTanhScale), c = T.CreateTruncating(0.044715);
            for (int i = 0; i < y.Length; i++)
            {
                T v = x[i];
                y[i] = half * v * (T.One + T.Tanh(k * (v + c * v * v * v)));
            }
        }
        else
        {
            for (int i = 0; i < y.Length; i++)
                y[i] = half * x[i] * (T.One + T.CreateTruncating(Erf(double.CreateTruncating(x[i]) * Sqrt1Over2)));
        }
    }

    /// <summary>
    /// dx = dy · GELU'(x) (reads the input). Exact: ½(1 + erf(x/√2)) + x·φ(x) with φ the standard normal density;
    /// tanh form: ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), t = tanh(√(2/π)(x + 0.044715x³)).
    /// </summary>
    public static void GeluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, bool tanhApproximation, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        T half = T.CreateTruncating(0.5);
        if (tanhApproximation)
        {
            T k = T.CreateTruncating(GeluTanhScale), c = T.CreateTruncating(0.044715), c3 = T.CreateTruncating(3 * 0.044715);
            for (int i = 0; i < dx.Length; i++)
            {
                T v = x[i], t = T.Tanh(k * (v + c * v * v * v));
                dx[i] = dy[i] * (half * (T.One + t) + half * v * (T.One - t * t) * k * (T.One + c3 * v * v));
            }
        }
        else
        {
            T density = T.CreateTruncating(InvSqrt2Pi);
            for (int i = 0; i < dx.Length; i++)
            {
                T v = x[i];
                T cdf = half * (T.One + T.CreateTruncating(Erf(double.CreateTruncating(v) * Sqrt1Over2)));
                dx[i] = dy[i] * (cdf + v * density * T.Exp(-half * v * v));
            }
        }
    }

    /// <summary>y = x · σ(x) (SiLU, "swish").</summary>
    public static void Silu<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        for (int i = 0; i < y.Length; i++) y[i] = x[i] / (T.One + T.Exp(-x[i]));
    }

    /// <summary>dx = dy · σ(x)(1 + x(1 − σ(x))) (reads the input).</summary>
    public static void SiluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++)
        {
            T s = T.One / (T.One + T.Exp(-x[i]));
            dx[i] = dy[i] * s * (T.One + x[i] * (T.One - s));
        }
    }

    /// <summary>y = ln(1 + e^(βx)) / β, or x where βx &gt; threshold (linear there, as PyTorch).</summary>
    public static void Softplus<T>(ReadOnlySpan<T> x, T beta, T threshold, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        for (int i = 0; i < y.Length; i++)
        {
            T bx = beta * x[i];
            y[i] = bx > threshold ? x[i] : T.LogP1(T.Exp(bx)) / beta;
        }
    }

    /// <summary>dx = dy · σ(βx), or dy where βx &gt; threshold (reads the input).</summary>
    public static void SoftplusBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, T beta, T threshold, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, x.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++)
        {
            T bx = beta * x[i];
            dx[i] = bx > threshold ? dy[i] : dy[i] / (T.One + T.Exp(-bx));
        }
    }

    /// <summary>Softmax over each row of <paramref name="columns"/> elements: exp(x − max) / Σ exp(x − max).</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, Span<T> y, int columns) where T : IFloatingPointIeee754<T>
    {
        CheckRows(x.Length, y.Length, columns);
        for (int r = 0; r < x.Length; r += columns)
        {
            ReadOnlySpan<T> row = x.Slice(r, columns);
            Span<T> output = y.Slice(r, columns);
            // Subtracting the row maximum keeps exp from overflowing; the result is unchanged.
            T max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, output);
            TensorPrimitives.Exp(output, output);
            TensorPrimitives.Divide(output, TensorPrimitives.Sum<T>(output), output);
        }
    }

    /// <summary>dx = y ⊙ (dy − Σ dy ⊙ y) per row (reads the output).</summary>
    public static void SoftmaxBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx, int columns) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, y.Length, dx.Length);
        CheckRows(dy.Length, dx.Length, columns);
        for (int r = 0; r < dy.Length; r += columns)
        {
            ReadOnlySpan<T> g = dy.Slice(r, columns), p = y.Slice(r, columns);
            T dot = TensorPrimitives.Dot(g, p);
            Span<T> d = dx.Slice(r, columns);
            for (int i = 0; i < columns; i++) d[i] = p[i] * (g[i] - dot);
        }
    }

    /// <summary>Log-softmax over each row: x − max − ln Σ exp(x − max).</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> x, Span<T> y, int columns) where T : IFloatingPointIeee754<T>
    {
        CheckRows(x.Length, y.Length, columns);
        for (int r = 0; r < x.Length; r += columns)
        {
            ReadOnlySpan<T> row = x.Slice(r, columns);
            Span<T> output = y.Slice(r, columns);
            T max = TensorPrimitives.Max(row);
            T sum = T.Zero;
            for (int i = 0; i < columns; i++) sum += T.Exp(row[i] - max);
            // (x − max) − ln Σ, not x − (max + ln Σ): the second rounds at max's magnitude (1e-5 off at 1000 in float).
            T logSum = T.Log(sum);
            for (int i = 0; i < columns; i++) output[i] = row[i] - max - logSum;
        }
    }

    /// <summary>dx = dy − exp(y) · Σ dy per row (reads the output; exp(y) is the softmax).</summary>
    public static void LogSoftmaxBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx, int columns) where T : IFloatingPointIeee754<T>
    {
        Check(dy.Length, y.Length, dx.Length);
        CheckRows(dy.Length, dx.Length, columns);
        for (int r = 0; r < dy.Length; r += columns)
        {
            ReadOnlySpan<T> g = dy.Slice(r, columns), p = y.Slice(r, columns);
            T sum = TensorPrimitives.Sum(g);
            Span<T> d = dx.Slice(r, columns);
            for (int i = 0; i < columns; i++) d[i] = g[i] - T.Exp(p[i]) * sum;
        }
    }

    /// <summary>
    /// erf(x) to about 1e-15 relative error (double). .NET has no erf, so: for |x| &lt; 2.5 the everywhere-positive
    /// series erf(x) = 2/√π · e^(−x²) · Σ (2x²)ⁿ x / (1·3·…·(2n+1)) (no cancellation); above, erf = 1 − erfc with
    /// erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))) (Laplace's continued fraction, 60 terms, which
    /// converges fast there); |x| ≥ 6 gives ±1 (erfc(6) ≈ 2e-17). Float callers round the double result, so their
    /// error is half an ulp.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        if (a >= 6) return Math.CopySign(1.0, x);
        double result;
        if (a < 2.5)
        {
            double x2 = a * a, term = a, sum = a;
            for (int n = 0; n < 100; n++)
            {
                term *= 2 * x2 / (2 * n + 3);
                sum += term;
                if (term < 1e-17 * sum) break;
            }
            result = 2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum;
        }
        else
        {
            double fraction = a;
            for (int k = 60; k >= 1; k--) fraction = a + k * 0.5 / fraction;
            result = 1 - Math.Exp(-a * a) / (Math.Sqrt(Math.PI) * fraction);
        }
        return Math.CopySign(result, x);
    }

    /// <summary>
    /// PReLU over x viewed as [outer, channels, inner]: y = x where x &gt; 0, else w[c] · x, with one slope per
    /// channel, or a single slope when <paramref name="w"/> has one element.
    /// </summary>
    public static void PRelu<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, int channels, int inner) where T : IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length);
        CheckPRelu(x.Length, w.Length, channels, inner);
        for (int i = 0; i < y.Length; i++)
        {
            T slope = w.Length == 1 ? w[0] : w[i / inner % channels];
            y[i] = x[i] > T.Zero ? x[i] : slope * x[i];
        }
    }

    /// <summary>
    /// The gradients of PReLU (reads the input and the slopes): dx = dy where x &gt; 0, else w·dy; dw[c] = Σ x·dy over
    /// the elements of channel c with x ≤ 0, written (not accumulated) into <paramref name="dw"/>. Either result may be
    /// empty to skip it.
    /// </summary>
    public static void PReluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> dx, Span<T> dw, int channels, int inner)
        where T : IFloatingPointIeee754<T>
    {
        CheckPRelu(x.Length, w.Length, channels, inner);
        if (dy.Length != x.Length || (!dx.IsEmpty && dx.Length != x.Length) || (!dw.IsEmpty && dw.Length != w.Length))
            throw new ArgumentException($"PReLU gradient lengths do not fit: dy {dy.Length}, x {x.Length}, dx {dx.Length}, dw {dw.Length}, w {w.Length}.");
        dw.Clear();
        for (int i = 0; i < x.Length; i++)
        {
            int c = w.Length == 1 ? 0 : i / inner % channels;
            bool positive = x[i] > T.Zero;
            if (!dx.IsEmpty) dx[i] = positive ? dy[i] : w[c] * dy[i];
            if (!dw.IsEmpty && !positive) dw[c] += x[i] * dy[i];
        }
    }

    private static void CheckPRelu(int x, int w, int channels, int inner)
    {
        if (channels <= 0 || inner <= 0 || x % (channels * inner) != 0 || (w != 1 && w != channels))
            throw new ArgumentException($"PReLU: {x} elements are not [outer, {channels}, {inner}], or {w} slopes are neither 1 nor {channels}.");
    }

    private const double Sqrt1Over2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;
    private const double GeluTanhScale = 0.79788456080286535588; // √(2/π)

    private static void Check(int x, int y)
    {
        if (x != y) throw new ArgumentException($"Input and output lengths differ: {x} and {y}.");
    }

    private static void Check(int dy, int x, int dx)
    {
        if (dy != x || dy != dx) throw new ArgumentException($"Gradient, saved value and result lengths differ: {dy}, {x} and {dx}.");
    }

    private static void CheckRows(int x, int y, int columns)
    {
        if (x != y) throw new ArgumentException($"Input and output lengths differ: {x} and {y}.");
        if (columns <= 0 || x % columns != 0) throw new ArgumentException($"Length {x} is not a whole number of rows of {columns}.");
    }
}
