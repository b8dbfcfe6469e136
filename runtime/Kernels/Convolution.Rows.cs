using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

// The float32 weight gradient of convolutions with few output channels at horizontal stride 1 (LeNet's conv1: one
// input channel, six output channels, 28-pixel rows) with no im2col matrix. With stride 1, the im2col row of kernel
// tap (c, kh, kw) restricted to output row oh is a contiguous run of the (padded) input row oh·sh + kh·dh of channel c,
// starting at column kw·dw; so dW takes dot products of dOutput rows with those runs in place, 6 channels × 2 taps at
// a time. (A forward reading the same runs through the 6×16 tile of Convolution.Direct.cs measured no faster than the
// direct kernel's im2col, 470 against 466 µs for LeNet's conv1 at batch 64, so the forward stays there.)
public static partial class Convolution
{
    /// <summary>Whether the float32 weight gradient runs <see cref="BackwardWeightRows"/>.</summary>
    internal static bool UseRowsBackwardWeight<T>(in Conv2dGeometry g) =>
        RowsShape<T>(in g) && g.OutWidth >= Vector256<float>.Count;

    private static bool RowsShape<T>(in Conv2dGeometry g) =>
        typeof(T) == typeof(float) && DirectAccelerated && !g.IsPointwise && g.StrideWidth == 1
        && g.OutChannelsPerGroup <= DirectMaxChannels && g.ColumnRows <= GatherOffsetLimit
        && PaddedLength(in g) <= g.WorkspaceSize;

    /// <summary>
    /// The float32 weight gradient by rows: dW[co, tap] summed over each image's output rows as dot products of the
    /// dOutput row with the input run the tap reads, six channels × two taps in registers, then added image by image.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void BackwardWeightRows(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input,
        Span<float> dWeight, int batch, in Conv2dGeometry g, Span<float> workspace)
    {
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth, groupOut = g.OutChannelsPerGroup;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth;
        int rowStep = g.StrideHeight * (g.InWidth + 2 * g.PaddingWidth);
        int* taps = stackalloc int[depth];
        GatherOffsets(in g, taps, null);
        fixed (float* pGradient = dOutput, pInput = input, pWeight = dWeight, pWorkspace = workspace)
        {
            for (int n = 0; n < batch; n++)
            {
                for (int group = 0; group < g.Groups; group++)
                {
                    float* source = GatherSource(pInput + (nint)n * g.InputImageLength + group * groupIn, pWorkspace, in g);
                    float* gradient = pGradient + (nint)n * g.OutputImageLength + (nint)group * groupOut * pixels;
                    float* sums = pWeight + (nint)group * groupOut * depth;
                    for (int co = 0; co < groupOut; co += TileRows)
                    {
                        for (int t = 0; t < depth; t += 2)
                            RowDotTile(Math.Min(TileRows, groupOut - co), Math.Min(2, depth - t), g.OutHeight, g.OutWidth,
                                gradient + (nint)co * pixels, source, taps + t, rowStep, sums + (nint)co * depth + t, depth,
                                accumulate: n > 0);
                    }
                }
            }
        }
    }

    /// <summary>
    /// c[i·cStride + q] (+)= Σ over output rows oh and columns ow of a[i·pixels + oh·width + ow] ·
    /// source[oh·rowStep + taps[q] + ow]: one image's 6×2 tile of <see cref="BackwardWeightRows"/>. Rows and taps past
    /// the edge re-read the first and are not stored; the last partial vector of a row overlaps the one before it,
    /// its overlap masked off.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowDotTile(int rows, int columns, int outHeight, int width, float* a, float* source, int* taps,
        int rowStep, float* c, int cStride, bool accumulate)
    {
        int pixels = outHeight * width;
        float* a0 = a, a1 = a + (rows > 1 ? pixels : 0), a2 = a + (rows > 2 ? 2 * pixels : 0);
        float* a3 = a + (rows > 3 ? 3 * pixels : 0), a4 = a + (rows > 4 ? 4 * pixels : 0), a5 = a + (rows > 5 ? 5 * pixels : 0);
        float* b0 = source + taps[0], b1 = source + taps[columns > 1 ? 1 : 0];
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default;
        Vector256<float> s30 = default, s31 = default, s40 = default, s41 = default, s50 = default, s51 = default;
        int full = width & ~7, rest = width - full;
        // The last vector ends at the row's end: keep only its lanes from `full` on.
        Vector256<float> tailMask = Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(8 - rest)).AsSingle();
        for (int oh = 0; oh < outHeight; oh++, a0 += width, a1 += width, a2 += width, a3 += width, a4 += width, a5 += width,
             b0 += rowStep, b1 += rowStep)
        {
            for (int j = 0; j <= full; j += 8)
            {
                Vector256<float> mask = Vector256<float>.AllBitsSet;
                int at = j;
                if (j == full)
                {
                    if (rest == 0) break;
                    at = width - 8;
                    mask = tailMask;
                }
                // Both operands masked: an infinity in the overlap must not meet a masked zero (∞·0 = NaN).
                Vector256<float> x0 = Vector256.Load(b0 + at) & mask, x1 = Vector256.Load(b1 + at) & mask, y;
                y = Vector256.Load(a0 + at) & mask;
                s00 = Vector256.FusedMultiplyAdd(y, x0, s00);
                s01 = Vector256.FusedMultiplyAdd(y, x1, s01);
                y = Vector256.Load(a1 + at) & mask;
                s10 = Vector256.FusedMultiplyAdd(y, x0, s10);
                s11 = Vector256.FusedMultiplyAdd(y, x1, s11);
                y = Vector256.Load(a2 + at) & mask;
                s20 = Vector256.FusedMultiplyAdd(y, x0, s20);
                s21 = Vector256.FusedMultiplyAdd(y, x1, s21);
                y = Vector256.Load(a3 + at) & mask;
                s30 = Vector256.FusedMultiplyAdd(y, x0, s30);
                s31 = Vector256.FusedMultiplyAdd(y, x1, s31);
                y = Vector256.Load(a4 + at) & mask;
                s40 = Vector256.FusedMultiplyAdd(y, x0, s40);
                s41 = Vector256.FusedMultiplyAdd(y, x1, s41);
                y = Vector256.Load(a5 + at) & mask;
                s50 = Vector256.FusedMultiplyAdd(y, x0, s50);
                s51 = Vector256.FusedMultiplyAdd(y, x1, s51);
            }
        }
        StoreDots(c, accumulate, columns, s00, s01);
        if (rows > 1) StoreDots(c + cStride, accumulate, columns, s10, s11);
        if (rows > 2) StoreDots(c + 2 * cStride, accumulate, columns, s20, s21);
        if (rows > 3) StoreDots(c + 3 * cStride, accumulate, columns, s30, s31);
        if (rows > 4) StoreDots(c + 4 * cStride, accumulate, columns, s40, s41);
        if (rows > 5) StoreDots(c + 5 * cStride, accumulate, columns, s50, s51);
    }
}
