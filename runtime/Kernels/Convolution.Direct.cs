using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

// Float32 products for convolutions with few output channels per group (LeNet's 6 and 16), where the packed GEMM
// spends its time packing: per image it re-packs the same weight and copies the whole im2col matrix once more.
// Here the weight is packed once per call and the im2col rows are read in place by a 6×16 register tile
// (forward, backward input) or reduced as dot products along the pixels (backward weight).
public static partial class Convolution
{
    /// <summary>Rows of one register tile: one packed weight strip.</summary>
    private const int TileRows = 6;

    /// <summary>Columns of one register tile: two ymm vectors.</summary>
    private const int TileColumns = 16;

    /// <summary>The largest inner dimension of the direct products (output channels per group); beyond it, the GEMM.</summary>
    private const int DirectMaxChannels = 32;

    /// <summary>Floats of packed weight the direct paths keep on the stack (32 KB).</summary>
    private const int DirectPackLimit = 8192;

    /// <summary>Whether the direct kernels run on hardware vectors here (they use Vector256 FMA).</summary>
    private static bool DirectAccelerated => Gemm.BestPath != GemmPath.Scalar && Gemm.ForcedPath == GemmPath.Auto;

    private static bool UseDirectForward<T>(in Conv2dGeometry g) =>
        typeof(T) == typeof(float) && DirectAccelerated && g.OutChannelsPerGroup <= DirectMaxChannels
        && g.OutHeight * g.OutWidth >= TileColumns
        && (long)g.Groups * RoundUpToTile(g.OutChannelsPerGroup) * g.ColumnRows <= DirectPackLimit;

    private static bool UseDirectBackwardInput<T>(in Conv2dGeometry g) =>
        typeof(T) == typeof(float) && DirectAccelerated && g.OutChannelsPerGroup <= DirectMaxChannels
        && g.OutHeight * g.OutWidth >= TileColumns
        && (long)g.Groups * RoundUpToTile(g.ColumnRows) * g.OutChannelsPerGroup <= DirectPackLimit;

    private static bool UseDirectBackwardWeight<T>(in Conv2dGeometry g) =>
        typeof(T) == typeof(float) && DirectAccelerated && g.OutChannelsPerGroup <= DirectMaxChannels
        && g.OutHeight * g.OutWidth >= Vector256<float>.Count;

    private static int RoundUpToTile(int rows) => (rows + TileRows - 1) / TileRows * TileRows;

    /// <summary>The float32 forward of <see cref="Conv2dForward{T}"/> when <see cref="UseDirectForward{T}"/> holds.</summary>
    [SkipLocalsInit]
    private static unsafe void ForwardDirect(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, int batch, in Conv2dGeometry g, Span<float> columns, bool relu)
    {
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth, groupOut = g.OutChannelsPerGroup;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth, strips = RoundUpToTile(groupOut) / TileRows;
        int groupPacked = strips * TileRows * depth;
        Span<float> packed = stackalloc float[g.Groups * groupPacked];
        // A strip holds six output channels interleaved along the depth: [depth][6], zero rows past the last channel.
        for (int group = 0; group < g.Groups; group++)
            PackRows(weight.Slice(group * groupOut * depth, groupOut * depth), groupOut, depth, depth, 1,
                packed.Slice(group * groupPacked, groupPacked));
        fixed (float* pPacked = packed, pColumns = columns, pInput = input, pOutput = output, pBias = bias)
        {
            for (int n = 0; n < batch; n++)
            {
                for (int group = 0; group < g.Groups; group++)
                {
                    float* operand = pInput + (nint)n * g.InputImageLength + group * groupIn;
                    if (!g.IsPointwise)
                    {
                        Im2ColFloat32(operand, pColumns, in g);
                        operand = pColumns;
                    }
                    float* result = pOutput + (nint)n * g.OutputImageLength + (nint)group * groupOut * pixels;
                    TileProduct(groupOut, pixels, depth, pPacked + group * groupPacked, operand, result,
                        bias.IsEmpty ? null : pBias + group * groupOut);
                }
                if (relu) ReluInPlace(output.Slice(n * g.OutputImageLength, g.OutputImageLength));
            }
        }
    }

    /// <summary>The float32 backward input of <see cref="Conv2dBackwardInput{T}"/> when <see cref="UseDirectBackwardInput{T}"/> holds.</summary>
    [SkipLocalsInit]
    private static unsafe void BackwardInputDirect(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weight,
        Span<float> dInput, int batch, in Conv2dGeometry g, Span<float> columns)
    {
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth, groupOut = g.OutChannelsPerGroup;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth;
        int groupPacked = RoundUpToTile(depth) * groupOut;
        Span<float> packed = stackalloc float[g.Groups * groupPacked];
        // Wᵀ: row r of the product is column r of the weight, so a strip reads six weight columns along its rows.
        for (int group = 0; group < g.Groups; group++)
            PackRows(weight.Slice(group * groupOut * depth, groupOut * depth), depth, groupOut, 1, depth,
                packed.Slice(group * groupPacked, groupPacked));
        fixed (float* pPacked = packed, pColumns = columns, pGradient = dOutput, pInput = dInput)
        {
            for (int n = 0; n < batch; n++)
            {
                for (int group = 0; group < g.Groups; group++)
                {
                    float* gradient = pGradient + (nint)n * g.OutputImageLength + (nint)group * groupOut * pixels;
                    float* target = pInput + (nint)n * g.InputImageLength + group * groupIn;
                    // dCols [depth, pixels] = W_gᵀ · dY_g; pointwise dCols is dX.
                    TileProduct(depth, pixels, groupOut, pPacked + group * groupPacked, gradient,
                        g.IsPointwise ? target : pColumns, null);
                    if (!g.IsPointwise)
                    {
                        new Span<float>(target, groupIn).Clear();
                        Col2ImAddFloat32(pColumns, target, in g);
                    }
                }
            }
        }
    }

    /// <summary>The float32 backward weight of <see cref="Conv2dBackwardWeight{T}"/> when <see cref="UseDirectBackwardWeight{T}"/> holds.</summary>
    private static unsafe void BackwardWeightDirect(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input,
        Span<float> dWeight, int batch, in Conv2dGeometry g, Span<float> columns)
    {
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth, groupOut = g.OutChannelsPerGroup;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth;
        fixed (float* pColumns = columns, pInput = input, pGradient = dOutput, pWeight = dWeight)
        {
            for (int n = 0; n < batch; n++)
            {
                for (int group = 0; group < g.Groups; group++)
                {
                    float* operand = pInput + (nint)n * g.InputImageLength + group * groupIn;
                    if (!g.IsPointwise)
                    {
                        Im2ColFloat32(operand, pColumns, in g);
                        operand = pColumns;
                    }
                    // dW_g [out/groups, depth] (+)= dY_g · colsᵀ: dot products along the pixels; the first image overwrites.
                    DotProducts(groupOut, depth, pixels, pGradient + (nint)n * g.OutputImageLength + (nint)group * groupOut * pixels,
                        operand, pWeight + (nint)group * groupOut * depth, accumulate: n > 0);
                }
            }
        }
    }

    /// <summary>
    /// Packs rows × depth of a matrix whose element (r, p) is at source[r·rowStride + p·depthStride] into strips of
    /// six rows, [strip][depth][6], zero-filling the rows past the last.
    /// </summary>
    private static void PackRows(ReadOnlySpan<float> source, int rows, int depth, int rowStride, int depthStride, Span<float> packed)
    {
        int index = 0;
        for (int strip = 0; strip < rows; strip += TileRows)
        {
            for (int p = 0; p < depth; p++)
            {
                for (int r = strip; r < strip + TileRows; r++, index++)
                    packed[index] = r < rows ? source[r * rowStride + p * depthStride] : 0f;
            }
        }
    }

    /// <summary>
    /// C[m, n] (row stride n) = A·B (+ rowBias[i] on row i), overwritten; A packed by <see cref="PackRows"/>, B [k, n]
    /// with row stride n, read in place. Needs n ≥ 16: the last column tile overlaps the one before it, recomputing
    /// the same values rather than running a narrower tile.
    /// </summary>
    private static unsafe void TileProduct(int m, int n, int k, float* packedA, float* b, float* c, float* rowBias)
    {
        for (int j = 0; ; j += TileColumns)
        {
            if (j + TileColumns > n) j = n - TileColumns;
            for (int strip = 0; strip < m; strip += TileRows)
                Tile(Math.Min(TileRows, m - strip), n, k, packedA + (nint)strip * k, b + j, c + (nint)strip * n + j,
                    rowBias == null ? null : rowBias + strip);
            if (j + TileColumns >= n) break;
        }
    }

    /// <summary>One 6×16 tile of <see cref="TileProduct"/>: twelve ymm accumulators, rows past <paramref name="rows"/> not stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile(int rows, int n, int k, float* a, float* b, float* c, float* rowBias)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (rowBias == null)
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        }
        else
        {
            // The zero rows of the packed strip read a bias that may not exist: clamp them onto row 0.
            c00 = c01 = Vector256.Create(rowBias[0]);
            c10 = c11 = Vector256.Create(rowBias[rows > 1 ? 1 : 0]);
            c20 = c21 = Vector256.Create(rowBias[rows > 2 ? 2 : 0]);
            c30 = c31 = Vector256.Create(rowBias[rows > 3 ? 3 : 0]);
            c40 = c41 = Vector256.Create(rowBias[rows > 4 ? 4 : 0]);
            c50 = c51 = Vector256.Create(rowBias[rows > 5 ? 5 : 0]);
        }
        for (int p = 0; p < k; p++, a += TileRows, b += n)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8), av;
            av = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(av, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(av, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(av, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(av, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(av, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
        }
        c00.Store(c); c01.Store(c + 8);
        if (rows > 1) { c10.Store(c + n); c11.Store(c + n + 8); }
        if (rows > 2) { c20.Store(c + 2 * n); c21.Store(c + 2 * n + 8); }
        if (rows > 3) { c30.Store(c + 3 * n); c31.Store(c + 3 * n + 8); }
        if (rows > 4) { c40.Store(c + 4 * n); c41.Store(c + 4 * n + 8); }
        if (rows > 5) { c50.Store(c + 5 * n); c51.Store(c + 5 * n + 8); }
    }

    /// <summary>
    /// C[i, q] (row stride k) (+)= the dot product of row i of A [m, n] with row q of B [k, n], both row stride n;
    /// tiles of 6 rows of A × 2 rows of B, needing n ≥ 8.
    /// </summary>
    private static unsafe void DotProducts(int m, int k, int n, float* a, float* b, float* c, bool accumulate)
    {
        for (int i = 0; i < m; i += TileRows)
        {
            int rows = Math.Min(TileRows, m - i);
            for (int q = 0; q < k; q += 2)
                DotTile(rows, Math.Min(2, k - q), n, k, a + (nint)i * n, b + (nint)q * n, c + (nint)i * k + q, accumulate);
        }
    }

    /// <summary>
    /// One 6×2 tile of <see cref="DotProducts"/> in twelve ymm accumulators. Rows past the edge re-read row 0 and are
    /// not stored; the last partial vector is read overlapping the one before it, with the overlap masked off.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DotTile(int rows, int columns, int n, int k, float* a, float* b, float* c, bool accumulate)
    {
        float* a0 = a, a1 = a + (rows > 1 ? n : 0), a2 = a + (rows > 2 ? 2 * n : 0);
        float* a3 = a + (rows > 3 ? 3 * n : 0), a4 = a + (rows > 4 ? 4 * n : 0), a5 = a + (rows > 5 ? 5 * n : 0);
        float* b0 = b, b1 = b + (columns > 1 ? n : 0);
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default;
        Vector256<float> s30 = default, s31 = default, s40 = default, s41 = default, s50 = default, s51 = default;
        int full = n & ~7;
        for (int j = 0; j <= full; j += 8)
        {
            Vector256<float> mask;
            int at = j;
            if (j < full)
            {
                mask = Vector256<float>.AllBitsSet;
            }
            else
            {
                int rest = n - full;
                if (rest == 0) break;
                // The last vector ends at n: keep only its lanes from full on.
                at = n - 8;
                mask = Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(8 - rest)).AsSingle();
            }
            Vector256<float> x0 = Vector256.Load(b0 + at) & mask, x1 = Vector256.Load(b1 + at) & mask, y;
            y = Vector256.Load(a0 + at);
            s00 = Vector256.FusedMultiplyAdd(y, x0, s00);
            s01 = Vector256.FusedMultiplyAdd(y, x1, s01);
            y = Vector256.Load(a1 + at);
            s10 = Vector256.FusedMultiplyAdd(y, x0, s10);
            s11 = Vector256.FusedMultiplyAdd(y, x1, s11);
            y = Vector256.Load(a2 + at);
            s20 = Vector256.FusedMultiplyAdd(y, x0, s20);
            s21 = Vector256.FusedMultiplyAdd(y, x1, s21);
            y = Vector256.Load(a3 + at);
            s30 = Vector256.FusedMultiplyAdd(y, x0, s30);
            s31 = Vector256.FusedMultiplyAdd(y, x1, s31);
            y = Vector256.Load(a4 + at);
            s40 = Vector256.FusedMultiplyAdd(y, x0, s40);
            s41 = Vector256.FusedMultiplyAdd(y, x1, s41);
            y = Vector256.Load(a5 + at);
            s50 = Vector256.FusedMultiplyAdd(y, x0, s50);
            s51 = Vector256.FusedMultiplyAdd(y, x1, s51);
        }
        StoreDots(c, accumulate, columns, s00, s01);
        if (rows > 1) StoreDots(c + k, accumulate, columns, s10, s11);
        if (rows > 2) StoreDots(c + 2 * k, accumulate, columns, s20, s21);
        if (rows > 3) StoreDots(c + 3 * k, accumulate, columns, s30, s31);
        if (rows > 4) StoreDots(c + 4 * k, accumulate, columns, s40, s41);
        if (rows > 5) StoreDots(c + 5 * k, accumulate, columns, s50, s51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreDots(float* c, bool accumulate, int columns, Vector256<float> s0, Vector256<float> s1)
    {
        float d0 = Vector256.Sum(s0);
        c[0] = accumulate ? c[0] + d0 : d0;
        if (columns > 1)
        {
            float d1 = Vector256.Sum(s1);
            c[1] = accumulate ? c[1] + d1 : d1;
        }
    }

    /// <summary>
    /// <see cref="Im2Col{T}"/> for float32 through pointers: its per-line span slicing costs more than the copy when
    /// output lines are short (LeNet's conv2 copies lines of 10). Stride 2 and up take the generic loop.
    /// </summary>
    private static unsafe void Im2ColFloat32(float* image, float* columns, in Conv2dGeometry g)
    {
        if (g.StrideWidth != 1)
        {
            int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth;
            Im2Col(new ReadOnlySpan<float>(image, groupIn), new Span<float>(columns, g.WorkspaceSize), in g);
            return;
        }
        int height = g.InHeight, width = g.InWidth, outHeight = g.OutHeight, outWidth = g.OutWidth;
        float* line = columns;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        {
            float* channel = image + (nint)c * height * width;
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowOffset = kh * g.DilationHeight - g.PaddingHeight;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int columnOffset = kw * g.DilationWidth - g.PaddingWidth;
                    var (first, end) = InsideRange(columnOffset, 1, width, outWidth);
                    for (int oh = 0; oh < outHeight; oh++, line += outWidth)
                    {
                        int ih = oh * g.StrideHeight + rowOffset;
                        if ((uint)ih >= (uint)height)
                        {
                            for (int t = 0; t < outWidth; t++) line[t] = 0f;
                            continue;
                        }
                        for (int t = 0; t < first; t++) line[t] = 0f;
                        for (int t = end; t < outWidth; t++) line[t] = 0f;
                        Copy(channel + (nint)ih * width + first + columnOffset, line + first, end - first);
                    }
                }
            }
        }
    }

    /// <summary><see cref="Col2ImAdd{T}"/> for float32 through pointers; stride 2 and up take the generic loop.</summary>
    private static unsafe void Col2ImAddFloat32(float* columns, float* image, in Conv2dGeometry g)
    {
        if (g.StrideWidth != 1)
        {
            int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth;
            Col2ImAdd(new ReadOnlySpan<float>(columns, g.WorkspaceSize), new Span<float>(image, groupIn), in g);
            return;
        }
        int height = g.InHeight, width = g.InWidth, outHeight = g.OutHeight, outWidth = g.OutWidth;
        float* line = columns;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        {
            float* channel = image + (nint)c * height * width;
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowOffset = kh * g.DilationHeight - g.PaddingHeight;
                for (int kw = 0; kw < g.KernelWidth; kw++)
                {
                    int columnOffset = kw * g.DilationWidth - g.PaddingWidth;
                    var (first, end) = InsideRange(columnOffset, 1, width, outWidth);
                    for (int oh = 0; oh < outHeight; oh++, line += outWidth)
                    {
                        int ih = oh * g.StrideHeight + rowOffset;
                        if ((uint)ih >= (uint)height || first >= end) continue;
                        float* target = channel + (nint)ih * width + first + columnOffset, source = line + first;
                        int length = end - first, t = 0;
                        for (; t + 8 <= length; t += 8) (Vector256.Load(target + t) + Vector256.Load(source + t)).Store(target + t);
                        for (; t < length; t++) target[t] += source[t];
                    }
                }
            }
        }
    }

    /// <summary>Copies a short run of floats; the last vector overlaps the one before it rather than running a scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* source, float* destination, int length)
    {
        if (length < 8)
        {
            for (int t = 0; t < length; t++) destination[t] = source[t];
            return;
        }
        for (int t = 0; t + 8 <= length; t += 8) Vector256.Load(source + t).Store(destination + t);
        Vector256.Load(source + length - 8).Store(destination + length - 8);
    }

    // Reinterprets a span once typeof(T) == typeof(float) has been checked.
    private static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> span) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static Span<float> AsFloat<T>(Span<T> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);
}
