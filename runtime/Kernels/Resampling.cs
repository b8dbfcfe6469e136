using System.ComponentModel;
using System.Numerics;

namespace ModelGen.Kernels;

/// <summary>
/// Resampling of NCHW images, forward and backward side by side: adaptive average pooling (global pooling is its
/// 1×1 case) and integer-scale upsampling, nearest or bilinear. Each kernel works plane by plane on
/// <c>planes</c> = N·C contiguous [H, W] planes, allocates nothing and overwrites its destination.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Resampling
{
    /// <summary>
    /// Output cell (i, j) is the mean of input rows floor(i·H/outH) … ceil((i+1)·H/outH) − 1 and the columns found the same
    /// way, as PyTorch's <c>adaptive_avg_pool2d</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive or a span is too short.</exception>
    public static void AdaptiveAvgPool2dForward<T>(ReadOnlySpan<T> input, Span<T> output, int planes, int inHeight, int inWidth, int outHeight, int outWidth)
        where T : IFloatingPointIeee754<T>
    {
        Check(planes, inHeight, inWidth, outHeight, outWidth, input.Length, output.Length);
        int planeIn = inHeight * inWidth, planeOut = outHeight * outWidth;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> x = input.Slice(p * planeIn, planeIn);
            Span<T> y = output.Slice(p * planeOut, planeOut);
            for (int i = 0; i < outHeight; i++)
            {
                int h0 = Start(i, inHeight, outHeight), h1 = End(i, inHeight, outHeight);
                for (int j = 0; j < outWidth; j++)
                {
                    int w0 = Start(j, inWidth, outWidth), w1 = End(j, inWidth, outWidth);
                    T sum = T.Zero;
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++) sum += x[h * inWidth + w];
                    }
                    y[i * outWidth + j] = sum / T.CreateChecked((h1 - h0) * (w1 - w0));
                }
            }
        }
    }

    /// <summary>dInput (overwritten): each output cell's gradient spread evenly over its window; overlapping windows add up.</summary>
    public static void AdaptiveAvgPool2dBackward<T>(ReadOnlySpan<T> dOutput, Span<T> dInput, int planes, int inHeight, int inWidth, int outHeight, int outWidth)
        where T : IFloatingPointIeee754<T>
    {
        Check(planes, inHeight, inWidth, outHeight, outWidth, dInput.Length, dOutput.Length);
        int planeIn = inHeight * inWidth, planeOut = outHeight * outWidth;
        dInput[..(planes * planeIn)].Clear();
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> dy = dOutput.Slice(p * planeOut, planeOut);
            Span<T> dx = dInput.Slice(p * planeIn, planeIn);
            for (int i = 0; i < outHeight; i++)
            {
                int h0 = Start(i, inHeight, outHeight), h1 = End(i, inHeight, outHeight);
                for (int j = 0; j < outWidth; j++)
                {
                    int w0 = Start(j, inWidth, outWidth), w1 = End(j, inWidth, outWidth);
                    T share = dy[i * outWidth + j] / T.CreateChecked((h1 - h0) * (w1 - w0));
                    for (int h = h0; h < h1; h++)
                    {
                        for (int w = w0; w < w1; w++) dx[h * inWidth + w] += share;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Upsamples each plane [H, W] to [H·scale, W·scale]. Nearest: output (i, j) copies input (i / scale, j / scale).
    /// Bilinear: PyTorch's <c>F.interpolate(scale_factor=scale, mode="bilinear", align_corners=False)</c>, sampling the
    /// input at ((i + 0.5) / scale − 0.5) clamped below at 0, between rows r and min(r + 1, H − 1).
    /// </summary>
    /// <exception cref="ArgumentException">A size is not positive or a span is too short.</exception>
    public static void UpsampleForward<T>(ReadOnlySpan<T> input, Span<T> output, int planes, int height, int width, int scale, bool bilinear)
        where T : IFloatingPointIeee754<T>
    {
        Check(planes, height, width, height * scale, width * scale, input.Length, output.Length);
        int outHeight = height * scale, outWidth = width * scale, planeIn = height * width, planeOut = outHeight * outWidth;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> x = input.Slice(p * planeIn, planeIn);
            Span<T> y = output.Slice(p * planeOut, planeOut);
            for (int i = 0; i < outHeight; i++)
            {
                if (!bilinear)
                {
                    ReadOnlySpan<T> row = x.Slice(i / scale * width, width);
                    for (int j = 0; j < outWidth; j++) y[i * outWidth + j] = row[j / scale];
                    continue;
                }
                var (h0, h1, hl) = Source<T>(i, scale, height);
                for (int j = 0; j < outWidth; j++)
                {
                    var (w0, w1, wl) = Source<T>(j, scale, width);
                    T top = (T.One - wl) * x[h0 * width + w0] + wl * x[h0 * width + w1];
                    T bottom = (T.One - wl) * x[h1 * width + w0] + wl * x[h1 * width + w1];
                    y[i * outWidth + j] = (T.One - hl) * top + hl * bottom;
                }
            }
        }
    }

    /// <summary>dInput (overwritten): each output gradient added back to the input cells it was read from, with its weights.</summary>
    public static void UpsampleBackward<T>(ReadOnlySpan<T> dOutput, Span<T> dInput, int planes, int height, int width, int scale, bool bilinear)
        where T : IFloatingPointIeee754<T>
    {
        Check(planes, height, width, height * scale, width * scale, dInput.Length, dOutput.Length);
        int outHeight = height * scale, outWidth = width * scale, planeIn = height * width, planeOut = outHeight * outWidth;
        dInput[..(planes * planeIn)].Clear();
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> dy = dOutput.Slice(p * planeOut, planeOut);
            Span<T> dx = dInput.Slice(p * planeIn, planeIn);
            for (int i = 0; i < outHeight; i++)
            {
                if (!bilinear)
                {
                    Span<T> row = dx.Slice(i / scale * width, width);
                    for (int j = 0; j < outWidth; j++) row[j / scale] += dy[i * outWidth + j];
                    continue;
                }
                var (h0, h1, hl) = Source<T>(i, scale, height);
                for (int j = 0; j < outWidth; j++)
                {
                    var (w0, w1, wl) = Source<T>(j, scale, width);
                    T g = dy[i * outWidth + j];
                    dx[h0 * width + w0] += (T.One - hl) * (T.One - wl) * g;
                    dx[h0 * width + w1] += (T.One - hl) * wl * g;
                    dx[h1 * width + w0] += hl * (T.One - wl) * g;
                    dx[h1 * width + w1] += hl * wl * g;
                }
            }
        }
    }

    // PyTorch's adaptive window: start = floor(i·in/out), end = ceil((i+1)·in/out).
    private static int Start(int i, int inSize, int outSize) => (int)((long)i * inSize / outSize);

    private static int End(int i, int inSize, int outSize) => (int)(((long)(i + 1) * inSize + outSize - 1) / outSize);

    /// <summary>The two input indices an output index reads and the weight of the second (align_corners=False).</summary>
    private static (int Low, int High, T Weight) Source<T>(int index, int scale, int size) where T : IFloatingPointIeee754<T>
    {
        T source = (T.CreateChecked(index) + T.CreateChecked(0.5)) / T.CreateChecked(scale) - T.CreateChecked(0.5);
        if (source < T.Zero) source = T.Zero;
        int low = int.CreateTruncating(source);
        int high = low < size - 1 ? low + 1 : low;
        return (low, high, source - T.CreateChecked(low));
    }

    private static void Check(int planes, int inHeight, int inWidth, int outHeight, int outWidth, int inputLength, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(planes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        if (inputLength < (long)planes * inHeight * inWidth || outputLength < (long)planes * outHeight * outWidth)
        {
            throw new ArgumentException(
                $"Resampling spans hold {inputLength} and {outputLength} elements; {planes} planes of {inHeight}×{inWidth} and {outHeight}×{outWidth} need more.");
        }
    }
}
