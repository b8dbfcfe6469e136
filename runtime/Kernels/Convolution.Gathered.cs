using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

// Float32 convolutions with 16 output channels per block (LeNet's conv2, many CNNs' early layers) with no im2col
// matrix at all. Both the forward and the weight gradient are products whose inner loop reads, for six output pixels
// (forward) or six kernel taps (weight gradient), one input element each through a table of offsets, against a row of
// 16 channel values: the weight packed as [tap][16] (forward) or this image's dOutput transposed to [pixel][16]
// (weight gradient). A 6×16 tile keeps twelve ymm accumulators, as the im2col kernels do, but the input is read in
// place (or from a padded copy when the convolution pads). The weight gradient sums each image's pixels in registers
// (no horizontal sums) and adds the images' sums in order.
public static partial class Convolution
{
    /// <summary>Output channels per block of the gathered kernels: two ymm vectors.</summary>
    private const int GatherBlock = 16;

    /// <summary>Offsets (taps plus pixels) the gathered kernels keep on the stack.</summary>
    private const int GatherOffsetLimit = 4096;

    /// <summary>Whether the float32 forward runs <see cref="ForwardGathered"/>; its workspace holds the padded image.</summary>
    internal static bool UseGatheredForward<T>(in Conv2dGeometry g) =>
        GatheredShape<T>(in g) && (long)g.Groups * g.OutChannelsPerGroup * g.ColumnRows <= DirectPackLimit
        && PaddedLength(in g) <= g.WorkspaceSize;

    /// <summary>
    /// Whether the float32 weight gradient runs <see cref="BackwardWeightGathered"/>; its workspace holds the padded
    /// image, then the transposed dOutput block [pixels][16] and the transposed sums [taps][16].
    /// </summary>
    internal static bool UseGatheredBackwardWeight<T>(in Conv2dGeometry g) =>
        GatheredShape<T>(in g)
        && PaddedLength(in g) + (long)GatherBlock * (g.OutHeight * g.OutWidth + g.ColumnRows) <= g.WorkspaceSize;

    private static bool GatheredShape<T>(in Conv2dGeometry g) =>
        typeof(T) == typeof(float) && DirectAccelerated && !g.IsPointwise
        && g.OutChannelsPerGroup % GatherBlock == 0
        && g.ColumnRows + g.OutHeight * g.OutWidth <= GatherOffsetLimit;

    private static int PaddedLength(in Conv2dGeometry g) =>
        g.PaddingHeight == 0 && g.PaddingWidth == 0 ? 0
            : g.InChannelsPerGroup * (g.InHeight + 2 * g.PaddingHeight) * (g.InWidth + 2 * g.PaddingWidth);

    /// <summary>
    /// The offsets into a group's image (its padded copy when the convolution pads): taps[(c, kh, kw)] from the first
    /// element a pixel reads, pixels[(oh, ow)] of that first element (unless null).
    /// </summary>
    private static unsafe void GatherOffsets(in Conv2dGeometry g, int* taps, int* pixels)
    {
        int rowLength = g.InWidth + 2 * g.PaddingWidth, plane = (g.InHeight + 2 * g.PaddingHeight) * rowLength, t = 0, p = 0;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
                for (int kw = 0; kw < g.KernelWidth; kw++)
                    taps[t++] = c * plane + kh * g.DilationHeight * rowLength + kw * g.DilationWidth;
        if (pixels == null) return;
        for (int oh = 0; oh < g.OutHeight; oh++)
            for (int ow = 0; ow < g.OutWidth; ow++)
                pixels[p++] = oh * g.StrideHeight * rowLength + ow * g.StrideWidth;
    }

    /// <summary>The group's image as the gathered kernels read it: in place, or copied into a zero-padded <paramref name="padded"/>.</summary>
    private static unsafe float* GatherSource(float* image, float* padded, in Conv2dGeometry g)
    {
        if (g.PaddingHeight == 0 && g.PaddingWidth == 0) return image;
        int height = g.InHeight, width = g.InWidth, rowLength = width + 2 * g.PaddingWidth;
        int paddedHeight = height + 2 * g.PaddingHeight;
        new Span<float>(padded, PaddedLength(in g)).Clear();
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        {
            for (int h = 0; h < height; h++)
            {
                new ReadOnlySpan<float>(image + ((nint)c * height + h) * width, width)
                    .CopyTo(new Span<float>(padded + ((nint)c * paddedHeight + h + g.PaddingHeight) * rowLength + g.PaddingWidth, width));
            }
        }
        return padded;
    }

    /// <summary>The float32 forward by gathered tiles: output pixels six at a time against 16 channels of packed weight.</summary>
    [SkipLocalsInit]
    private static unsafe void ForwardGathered(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, int batch, in Conv2dGeometry g, Span<float> workspace, bool relu)
    {
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth, groupOut = g.OutChannelsPerGroup;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth;
        int* taps = stackalloc int[depth + pixels];
        int* pixelOffsets = taps + depth;
        GatherOffsets(in g, taps, pixelOffsets);
        // Wᵀ per group: [tap][out channel], so one tap's 16 channels are two vector loads.
        Span<float> packed = stackalloc float[g.Groups * groupOut * depth];
        for (int group = 0; group < g.Groups; group++)
            for (int co = 0; co < groupOut; co++)
                for (int t = 0; t < depth; t++)
                    packed[(group * depth + t) * groupOut + co] = weight[(group * groupOut + co) * depth + t];
        float* tile = stackalloc float[TileRows * GatherBlock];
        fixed (float* pInput = input, pOutput = output, pBias = bias, pPacked = packed, pWorkspace = workspace)
        {
            for (int n = 0; n < batch; n++)
            {
                for (int group = 0; group < g.Groups; group++)
                {
                    float* source = GatherSource(pInput + (nint)n * g.InputImageLength + group * groupIn, pWorkspace, in g);
                    for (int block = 0; block < groupOut; block += GatherBlock)
                    {
                        int channel = group * groupOut + block;
                        float* result = pOutput + (nint)n * g.OutputImageLength + (nint)channel * pixels;
                        Vector256<float> bias0 = bias.IsEmpty ? default : Vector256.Load(pBias + channel);
                        Vector256<float> bias1 = bias.IsEmpty ? default : Vector256.Load(pBias + channel + 8);
                        for (int p = 0; p < pixels; p += TileRows)
                        {
                            int rows = Math.Min(TileRows, pixels - p);
                            GatherTile(source, pixelOffsets + p, rows, taps, depth, pPacked + group * depth * groupOut + block,
                                groupOut, bias0, bias1, tile);
                            StoreTransposed(tile, rows, result + p, pixels, relu);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// tile[i, 0..16] = initial + Σ_q source[rowOffsets[i] + offsets[q]] · b[q·bStride .. +16] for i &lt; rows; rows
    /// past <paramref name="rows"/> re-read row 0, and the caller ignores them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GatherTile(float* source, int* rowOffsets, int rows, int* offsets, int k, float* b, int bStride,
        Vector256<float> initial0, Vector256<float> initial1, float* tile)
    {
        float* a0 = source + rowOffsets[0];
        float* a1 = source + rowOffsets[rows > 1 ? 1 : 0], a2 = source + rowOffsets[rows > 2 ? 2 : 0];
        float* a3 = source + rowOffsets[rows > 3 ? 3 : 0], a4 = source + rowOffsets[rows > 4 ? 4 : 0];
        float* a5 = source + rowOffsets[rows > 5 ? 5 : 0];
        Vector256<float> c00 = initial0, c01 = initial1, c10 = initial0, c11 = initial1, c20 = initial0, c21 = initial1;
        Vector256<float> c30 = initial0, c31 = initial1, c40 = initial0, c41 = initial1, c50 = initial0, c51 = initial1;
        for (int q = 0; q < k; q++, b += bStride)
        {
            nint at = offsets[q];
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8), av;
            av = Vector256.Create(a0[at]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a1[at]);
            c10 = Vector256.FusedMultiplyAdd(av, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a2[at]);
            c20 = Vector256.FusedMultiplyAdd(av, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a3[at]);
            c30 = Vector256.FusedMultiplyAdd(av, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a4[at]);
            c40 = Vector256.FusedMultiplyAdd(av, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a5[at]);
            c50 = Vector256.FusedMultiplyAdd(av, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
        }
        c00.Store(tile); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
    }

    /// <summary>Writes rows × 16 of <paramref name="tile"/> as 16 channel runs of <paramref name="rows"/> pixels (NCHW), ReLU optional.</summary>
    private static unsafe void StoreTransposed(float* tile, int rows, float* result, int pixels, bool relu)
    {
        for (int co = 0; co < GatherBlock; co++)
        {
            float* line = result + (nint)co * pixels;
            for (int i = 0; i < rows; i++)
            {
                float value = tile[i * GatherBlock + co];
                line[i] = relu ? MathF.Max(value, 0f) : value;
            }
        }
    }

    /// <summary>
    /// The float32 weight gradient by gathered tiles: six kernel taps at a time against this image's dOutput
    /// transposed to [pixel][16 channels], summed image by image into a transposed [tap][16] buffer, then written out.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void BackwardWeightGathered(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input,
        Span<float> dWeight, int batch, in Conv2dGeometry g, Span<float> workspace)
    {
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth, groupOut = g.OutChannelsPerGroup;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth;
        int* taps = stackalloc int[depth + pixels];
        int* pixelOffsets = taps + depth;
        GatherOffsets(in g, taps, pixelOffsets);
        float* tile = stackalloc float[TileRows * GatherBlock];
        fixed (float* pGradient = dOutput, pInput = input, pWeight = dWeight, pWorkspace = workspace)
        {
            float* transposed = pWorkspace + PaddedLength(in g), sums = transposed + (nint)pixels * GatherBlock;
            for (int group = 0; group < g.Groups; group++)
            {
                for (int block = 0; block < groupOut; block += GatherBlock)
                {
                    int channel = group * groupOut + block;
                    for (int n = 0; n < batch; n++)
                    {
                        float* gradient = pGradient + (nint)n * g.OutputImageLength + (nint)channel * pixels;
                        for (int co = 0; co < GatherBlock; co++)
                            for (int p = 0; p < pixels; p++) transposed[p * GatherBlock + co] = gradient[(nint)co * pixels + p];
                        float* source = GatherSource(pInput + (nint)n * g.InputImageLength + group * groupIn, pWorkspace, in g);
                        for (int t = 0; t < depth; t += TileRows)
                        {
                            int rows = Math.Min(TileRows, depth - t);
                            float* sum = sums + (nint)t * GatherBlock;
                            // The first image starts from zero; later ones continue the sums, tap by tap in registers.
                            GatherTile(source, taps + t, rows, pixelOffsets, pixels, transposed, GatherBlock,
                                default, default, tile);
                            AddRows(tile, sum, rows, overwrite: n == 0);
                        }
                    }
                    // dW[channel + co, t] = sums[t, co].
                    for (int co = 0; co < GatherBlock; co++)
                        for (int t = 0; t < depth; t++) pWeight[(nint)(channel + co) * depth + t] = sums[t * GatherBlock + co];
                }
            }
        }
    }

    /// <summary>sum[0..rows·16) (+)= tile: one image's contribution to the transposed weight-gradient sums.</summary>
    private static unsafe void AddRows(float* tile, float* sum, int rows, bool overwrite)
    {
        for (int i = 0; i < rows * GatherBlock; i += 8)
        {
            Vector256<float> v = Vector256.Load(tile + i);
            (overwrite ? v : v + Vector256.Load(sum + i)).Store(sum + i);
        }
    }
}
