using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

/// <summary>
/// Elementwise activations, forward and backward side by side. Each backward reads the forward's saved
/// OUTPUT <c>y</c>, not its input, so a caller keeps one tensor alive per activation. Destinations may be the
/// same span as an input (in place) but must not partially overlap one.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Activations
{
    /// <summary>y = max(x, 0); NaN stays NaN, as in PyTorch.</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, y.Length);
        TensorPrimitives.Max(x, T.Zero, y);
    }

    /// <summary>dx = dy where y &gt; 0, else 0 (the subgradient at 0 is 0, as in PyTorch).</summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        CheckLengths(dy.Length, y.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++) dx[i] = y[i] > T.Zero ? dy[i] : T.Zero;
    }

    /// <summary>y = 1 / (1 + exp(-x)).</summary>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, y.Length);
        TensorPrimitives.Sigmoid(x, y);
    }

    /// <summary>dx = dy · y · (1 − y).</summary>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        CheckLengths(dy.Length, y.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * y[i] * (T.One - y[i]);
    }

    /// <summary>y = tanh(x).</summary>
    public static void Tanh<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        CheckLengths(x.Length, y.Length);
        TensorPrimitives.Tanh(x, y);
    }

    /// <summary>dx = dy · (1 − y²).</summary>
    public static void TanhBackward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> y, Span<T> dx) where T : IFloatingPointIeee754<T>
    {
        CheckLengths(dy.Length, y.Length, dx.Length);
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * (T.One - y[i] * y[i]);
    }

    private static void CheckLengths(int x, int y)
    {
        if (x != y) throw new ArgumentException($"Input and output lengths differ: {x} and {y}.");
    }

    private static void CheckLengths(int dy, int y, int dx)
    {
        if (dy != y || dy != dx) throw new ArgumentException($"dy, y and dx lengths differ: {dy}, {y} and {dx}.");
    }
}
