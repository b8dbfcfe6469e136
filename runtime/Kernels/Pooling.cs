using System.ComponentModel;
using System.Numerics;

namespace ModelGen.Kernels;

/// <summary>
/// The sizes of one 2-D pooling, as PyTorch's <c>nn.MaxPool2d</c> and <c>nn.AvgPool2d</c> take them (floor mode),
/// for input [N, Channels, InHeight, InWidth] and output [N, Channels, OutHeight, OutWidth].
/// </summary>
/// <remarks>The constructor validates the sizes; the output size is computed on each read.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct Pool2dGeometry(int Channels, int InHeight, int InWidth, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth)
{
    // A field initialiser is the only code a positional record struct runs at construction.
    private readonly bool _validated = Validate(Channels, InHeight, InWidth, KernelHeight, KernelWidth,
        StrideHeight, StrideWidth, PaddingHeight, PaddingWidth);

    /// <summary>(InHeight + 2·PaddingHeight − KernelHeight) / StrideHeight + 1, rounded down.</summary>
    public int OutHeight => (InHeight + 2 * PaddingHeight - KernelHeight) / StrideHeight + 1;

    /// <summary>(InWidth + 2·PaddingWidth − KernelWidth) / StrideWidth + 1, rounded down.</summary>
    public int OutWidth => (InWidth + 2 * PaddingWidth - KernelWidth) / StrideWidth + 1;

    /// <summary>Elements of one input image: Channels · InHeight · InWidth.</summary>
    public int InputImageLength => Channels * InHeight * InWidth;

    /// <summary>Elements of one output image: Channels · OutHeight · OutWidth.</summary>
    public int OutputImageLength => Channels * OutHeight * OutWidth;

    private static bool Validate(int channels, int inHeight, int inWidth, int kernelHeight, int kernelWidth,
        int strideHeight, int strideWidth, int paddingHeight, int paddingWidth)
    {
        RequirePositive(channels, nameof(Channels));
        RequirePositive(inHeight, nameof(InHeight));
        RequirePositive(inWidth, nameof(InWidth));
        RequirePositive(kernelHeight, nameof(KernelHeight));
        RequirePositive(kernelWidth, nameof(KernelWidth));
        RequirePositive(strideHeight, nameof(StrideHeight));
        RequirePositive(strideWidth, nameof(StrideWidth));
        // PyTorch's rule: beyond half the kernel a window could lie wholly in the padding.
        if (paddingHeight < 0 || paddingWidth < 0 || paddingHeight > kernelHeight / 2 || paddingWidth > kernelWidth / 2)
        {
            throw new ArgumentException(
                $"Pooling padding must be between 0 and half the kernel size; got padding {paddingHeight}×{paddingWidth} " +
                $"for kernel {kernelHeight}×{kernelWidth}.");
        }
        if (kernelHeight > inHeight + 2 * paddingHeight || kernelWidth > inWidth + 2 * paddingWidth)
        {
            throw new ArgumentException(
                $"Pooling output would be empty: the input {inHeight}×{inWidth} padded by {paddingHeight}×{paddingWidth} " +
                $"is smaller than the kernel {kernelHeight}×{kernelWidth}.");
        }
        if ((long)channels * inHeight * inWidth > Array.MaxLength)
        {
            throw new ArgumentException("Pooling sizes are too large: an image would exceed the largest array.");
        }
        return true;
    }

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"Pooling {name} must be positive; got {value}.", name);
    }
}

/// <summary>
/// 2-D max and average pooling on contiguous NCHW tensors, forward and backward side by side. Nothing is
/// allocated; every output span is overwritten.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Pooling
{
    /// <summary>The maximum of each window; padding counts as −∞ and a NaN in a window wins, as in PyTorch.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void MaxPool2dForward<T>(ReadOnlySpan<T> input, Span<T> output, int batch, in Pool2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, input.Length, output.Length, nameof(input), nameof(output));
        if (typeof(T) == typeof(float) && SharePlanes(in g, batch))
        {
            RunShared(Job.MaxForward, AsFloat(input), default, default, AsFloat(output), batch, in g);
            return;
        }
        MaxForwardPlanes(input, output, batch * g.Channels, in g);
    }

    /// <summary>The max-pooling forward of the first <paramref name="planes"/> planes of input and output.</summary>
    private static void MaxForwardPlanes<T>(ReadOnlySpan<T> input, Span<T> output, int planes, in Pool2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        if (UsePairs<T>(in g))
        {
            unsafe
            {
                fixed (float* pInput = AsFloat(input[..(planes * planeIn)]), pOutput = AsFloat(output[..(planes * planeOut)]))
                    MaxForwardPairs(pInput, pOutput, planes, in g);
            }
            return;
        }
        for (int plane = 0; plane < planes; plane++)
        {
            ReadOnlySpan<T> x = input.Slice(plane * planeIn, planeIn);
            Span<T> y = output.Slice(plane * planeOut, planeOut);
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                var (h0, h1) = Window(oh, g.StrideHeight, g.PaddingHeight, g.KernelHeight, g.InHeight);
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    var (w0, w1) = Window(ow, g.StrideWidth, g.PaddingWidth, g.KernelWidth, g.InWidth);
                    T max = T.NegativeInfinity;
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++)
                        {
                            T value = x[h * g.InWidth + w];
                            if (value > max || T.IsNaN(value)) max = value;
                        }
                    }
                    y[oh * g.OutWidth + ow] = max;
                }
            }
        }
    }

    /// <summary>
    /// dInput (overwritten): each window's gradient goes to the first element of the window, in row-major order,
    /// that equals the window's saved output; windows that overlap add up.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void MaxPool2dBackward<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> input, ReadOnlySpan<T> output,
        Span<T> dInput, int batch, in Pool2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, input.Length, output.Length, nameof(input), nameof(output));
        CheckSpans(in g, batch, dInput.Length, dOutput.Length, nameof(dInput), nameof(dOutput));
        if (typeof(T) == typeof(float) && SharePlanes(in g, batch))
        {
            RunShared(Job.MaxBackward, AsFloat(dOutput), AsFloat(input), AsFloat(output), AsFloat(dInput), batch, in g);
            return;
        }
        MaxBackwardPlanes(dOutput, input, output, dInput, batch * g.Channels, in g);
    }

    /// <summary>The max-pooling backward of the first <paramref name="planes"/> planes (their dInput overwritten).</summary>
    private static void MaxBackwardPlanes<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> input, ReadOnlySpan<T> output,
        Span<T> dInput, int planes, in Pool2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        if (UsePairs<T>(in g))
        {
            unsafe
            {
                fixed (float* pGradient = AsFloat(dOutput[..(planes * planeOut)]), pInput = AsFloat(input[..(planes * planeIn)]),
                       pOutput = AsFloat(output[..(planes * planeOut)]), pResult = AsFloat(dInput[..(planes * planeIn)]))
                    MaxBackwardPairs(pGradient, pInput, pOutput, pResult, planes, in g);
            }
            return;
        }
        dInput[..(planes * planeIn)].Clear();
        for (int plane = 0; plane < planes; plane++)
        {
            ReadOnlySpan<T> x = input.Slice(plane * planeIn, planeIn);
            ReadOnlySpan<T> y = output.Slice(plane * planeOut, planeOut);
            ReadOnlySpan<T> dy = dOutput.Slice(plane * planeOut, planeOut);
            Span<T> dx = dInput.Slice(plane * planeIn, planeIn);
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                var (h0, h1) = Window(oh, g.StrideHeight, g.PaddingHeight, g.KernelHeight, g.InHeight);
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    var (w0, w1) = Window(ow, g.StrideWidth, g.PaddingWidth, g.KernelWidth, g.InWidth);
                    int argMax = FirstMatch(x, y[oh * g.OutWidth + ow], h0, h1, w0, w1, g.InWidth);
                    if (argMax >= 0) dx[argMax] += dy[oh * g.OutWidth + ow];
                }
            }
        }
    }

    /// <summary>The mean of each window, padding counted as zeros in the divisor (PyTorch's count_include_pad=True).</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void AvgPool2dForward<T>(ReadOnlySpan<T> input, Span<T> output, int batch, in Pool2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, input.Length, output.Length, nameof(input), nameof(output));
        if (typeof(T) == typeof(float) && SharePlanes(in g, batch))
        {
            RunShared(Job.AvgForward, AsFloat(input), default, default, AsFloat(output), batch, in g);
            return;
        }
        AvgForwardPlanes(input, output, batch * g.Channels, in g);
    }

    /// <summary>The average-pooling forward of the first <paramref name="planes"/> planes of input and output.</summary>
    private static void AvgForwardPlanes<T>(ReadOnlySpan<T> input, Span<T> output, int planes, in Pool2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        // In floor mode no window reaches past the padding, so every divisor is the full kernel area.
        T scale = T.One / T.CreateChecked(g.KernelHeight * g.KernelWidth);
        for (int plane = 0; plane < planes; plane++)
        {
            ReadOnlySpan<T> x = input.Slice(plane * planeIn, planeIn);
            Span<T> y = output.Slice(plane * planeOut, planeOut);
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                var (h0, h1) = Window(oh, g.StrideHeight, g.PaddingHeight, g.KernelHeight, g.InHeight);
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    var (w0, w1) = Window(ow, g.StrideWidth, g.PaddingWidth, g.KernelWidth, g.InWidth);
                    T sum = T.Zero;
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++) sum += x[h * g.InWidth + w];
                    }
                    y[oh * g.OutWidth + ow] = sum * scale;
                }
            }
        }
    }

    /// <summary>dInput (overwritten): each window's gradient spread evenly over its KH·KW cells, padding included.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void AvgPool2dBackward<T>(ReadOnlySpan<T> dOutput, Span<T> dInput, int batch, in Pool2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, dInput.Length, dOutput.Length, nameof(dInput), nameof(dOutput));
        if (typeof(T) == typeof(float) && SharePlanes(in g, batch))
        {
            RunShared(Job.AvgBackward, AsFloat(dOutput), default, default, AsFloat(dInput), batch, in g);
            return;
        }
        AvgBackwardPlanes(dOutput, dInput, batch * g.Channels, in g);
    }

    /// <summary>The average-pooling backward of the first <paramref name="planes"/> planes (their dInput overwritten).</summary>
    private static void AvgBackwardPlanes<T>(ReadOnlySpan<T> dOutput, Span<T> dInput, int planes, in Pool2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        T scale = T.One / T.CreateChecked(g.KernelHeight * g.KernelWidth);
        dInput[..(planes * planeIn)].Clear();
        for (int plane = 0; plane < planes; plane++)
        {
            ReadOnlySpan<T> dy = dOutput.Slice(plane * planeOut, planeOut);
            Span<T> dx = dInput.Slice(plane * planeIn, planeIn);
            for (int oh = 0; oh < g.OutHeight; oh++)
            {
                var (h0, h1) = Window(oh, g.StrideHeight, g.PaddingHeight, g.KernelHeight, g.InHeight);
                for (int ow = 0; ow < g.OutWidth; ow++)
                {
                    var (w0, w1) = Window(ow, g.StrideWidth, g.PaddingWidth, g.KernelWidth, g.InWidth);
                    T share = dy[oh * g.OutWidth + ow] * scale;
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++) dx[h * g.InWidth + w] += share;
                    }
                }
            }
        }
    }

    /// <summary>The input rows (or columns) [start, end) that output index <paramref name="o"/>'s window covers, clipped to the input.</summary>
    private static (int Start, int End) Window(int o, int stride, int padding, int kernel, int size)
    {
        int start = o * stride - padding;
        return (Math.Max(start, 0), Math.Min(start + kernel, size));
    }

    /// <summary>The flat index of the first element in the window equal to <paramref name="max"/> (or NaN), or −1.</summary>
    private static int FirstMatch<T>(ReadOnlySpan<T> x, T max, int h0, int h1, int w0, int w1, int width)
        where T : IFloatingPointIeee754<T>
    {
        for (int h = h0; h < h1; h++)
        {
            for (int w = w0; w < w1; w++)
            {
                T value = x[h * width + w];
                if (value == max || T.IsNaN(value)) return h * width + w;
            }
        }
        return -1;
    }

    private static void CheckSpans(in Pool2dGeometry g, int batch, int inputLength, int outputLength, string inputName, string outputName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        CheckLength(inputLength, (long)batch * g.InputImageLength, inputName);
        CheckLength(outputLength, (long)batch * g.OutputImageLength, outputName);
    }

    private static void CheckLength(int actual, long required, string name)
    {
        if (actual < required)
        {
            throw new ArgumentException($"Pooling {name} has {actual} elements; the geometry and batch need {required}.", name);
        }
    }
}
