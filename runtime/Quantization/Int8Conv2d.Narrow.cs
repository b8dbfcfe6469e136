using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Kernels;

namespace ModelGen.Quantization;

// The channels-as-rows kernel for convolutions with few output channels (LeNet-5's conv1: 1 -> 6, 5x5, padding 2),
// stride 1 and dilation 1: an implicit GEMM with output pixels in the vector lanes, no im2col and no transpose.
//
// Each input channel is quantised into a padded plane b [InH + 2·padH, Wp = InW + 2·padW] (border = zero point).
// With stride 1 the output pixel (oy, ox) reads b[(oy + ky)·Wp + ox + kx], so numbering outputs over the padded
// width, p = oy·Wp + ox, makes tap (ky, kx) of consecutive pixels consecutive bytes: b[p + ky·Wp + kx]. Two quad
// planes regroup the bytes four taps at a time: horizontal H[i] = b[i..i+3] and vertical V[i] = b[i], b[i+Wp],
// b[i+2Wp], b[i+3Wp]. Each kernel row's taps go four at a time through H (kx = 4q..4q+3), and the KW mod 4 columns
// left over go down the kernel four rows at a time through V, padded with zero weights: a 5×5 kernel is 5 + 2 = 7
// groups of four taps (28 for 25). Eight consecutive quads are one ymm of activations for vpmaddubsw against four
// broadcast weight bytes. Outputs with ox ≥ OutWidth wrap into the next row: they are computed and dropped
// (LeNet-5's conv1 computes 32 of every 28 pixels).
public sealed partial class Int8Conv2d
{
    /// <summary>Output channels per tile of the narrow kernel: 6 rows × 16 pixels in 12 ymm accumulators.</summary>
    private const int NarrowRows = 6;

    /// <summary>Pixels per tile of the narrow kernel: two ymm of eight int32 sums.</summary>
    private const int NarrowPixels = 16;

    /// <summary>Bytes of weights per tile and group: 4 taps for each of the tile's rows.</summary>
    private const int NarrowGroupBytes = NarrowRows * 4;

    /// <summary>
    /// Whether <paramref name="g"/> runs the channels-as-rows kernel: fewer than one 16-column weight panel of
    /// output channels, stride 1 and dilation 1 (the flat pixel numbering needs both).
    /// </summary>
    internal static bool RunsNarrow(in Conv2dGeometry g)
        => g.OutChannels < GemmInt8.PanelWidth && g.Groups == 1 && g.StrideHeight == 1 && g.StrideWidth == 1
           && g.DilationHeight == 1 && g.DilationWidth == 1;

    /// <summary>The narrow kernel's sizes, derived from the geometry.</summary>
    private readonly struct NarrowLayout
    {
        public readonly int PaddedWidth, PaddedPlane, Pixels, ChannelStride, ByteStride, Tiles;
        public readonly int Horizontal, Leftover, Vertical, Groups, OutChannels, OutHeight, OutWidth;

        public NarrowLayout(in Conv2dGeometry g)
        {
            int kh = g.KernelHeight, kw = g.KernelWidth;
            OutChannels = g.OutChannels;
            OutHeight = g.OutHeight;
            OutWidth = g.OutWidth;
            PaddedWidth = g.InWidth + 2 * g.PaddingWidth;
            PaddedPlane = (g.InHeight + 2 * g.PaddingHeight) * PaddedWidth;
            Horizontal = kw / 4;       // H groups per kernel row
            Leftover = kw % 4;         // kernel columns read through V
            Vertical = Leftover == 0 ? 0 : (kh + 3) / 4; // V groups per leftover column
            Groups = g.InChannels * (kh * Horizontal + Leftover * Vertical);
            Pixels = (g.OutHeight * PaddedWidth + NarrowPixels - 1) / NarrowPixels * NarrowPixels;
            // A tile reads quads up to Pixels + the largest group offset (+ 4), and the pooled walk, whose tiles
            // start at each row pair, up to one tile further: each channel's quads reach that far, its bytes 3·Wp
            // further for V (the bytes past the padded image stay 0).
            int reach = Math.Max(Horizontal == 0 ? 0 : (kh - 1) * PaddedWidth + 4 * (Horizontal - 1),
                Vertical == 0 ? 0 : 4 * (Vertical - 1) * PaddedWidth + kw - 1);
            ChannelStride = Math.Max(PaddedPlane, Pixels + NarrowPixels + reach + 4);
            ByteStride = ChannelStride + 3 * PaddedWidth + 4;
            Tiles = (g.OutChannels + NarrowRows - 1) / NarrowRows;
        }

        /// <summary>Where group <paramref name="group"/>'s quads start (in quads: H of every channel, then V) and its taps (ky, kx).</summary>
        public (int Offset, int Ky, int Kx, int KyStep, int KxStep) Group(in Conv2dGeometry g, int group)
        {
            int perChannel = Groups / g.InChannels, c = group / perChannel, k = group % perChannel;
            int horizontalGroups = g.KernelHeight * Horizontal;
            if (k < horizontalGroups)
            {
                int ky = k / Horizontal, q = k % Horizontal;
                return (c * ChannelStride + ky * PaddedWidth + 4 * q, ky, 4 * q, 0, 1);
            }
            k -= horizontalGroups;
            int column = 4 * Horizontal + k / Vertical, top = 4 * (k % Vertical);
            return (g.InChannels * ChannelStride + c * ChannelStride + top * PaddedWidth + column, top, column, 1, 0);
        }
    }

    /// <summary>
    /// The narrow kernel's quad offsets per group and its weights: per tile of 6 channels and group, 6 rows × the
    /// group's 4 taps (0 past the kernel and for channels past OutChannels), in the order the kernel reads them.
    /// </summary>
    private static (int[] Offsets, sbyte[] Weights) NarrowOperands(sbyte[] weights, in Conv2dGeometry g)
    {
        var layout = new NarrowLayout(in g);
        int kh = g.KernelHeight, kw = g.KernelWidth, perChannel = layout.Groups / g.InChannels;
        var offsets = new int[layout.Groups];
        var result = new sbyte[layout.Tiles * layout.Groups * NarrowGroupBytes];
        for (int group = 0; group < layout.Groups; group++)
        {
            var (offset, ky0, kx0, kyStep, kxStep) = layout.Group(in g, group);
            offsets[group] = offset;
            int c = group / perChannel;
            for (int tile = 0; tile < layout.Tiles; tile++)
                for (int r = 0; r < NarrowRows; r++)
                    for (int b = 0; b < 4; b++)
                    {
                        int channel = tile * NarrowRows + r, ky = ky0 + b * kyStep, kx = kx0 + b * kxStep;
                        if (channel < g.OutChannels && ky < kh && kx < kw)
                            result[((tile * layout.Groups + group) * NarrowRows + r) * 4 + b] = weights[channel * g.ColumnRows + (c * kh + ky) * kw + kx];
                    }
        }
        return (offsets, result);
    }

    /// <summary>One image through the narrow kernel: padded planes, quads, then the tiles (pooled or not).</summary>
    private static unsafe void NarrowImage(float* x, float* y, in Conv2dGeometry g, in Operands o, in ScratchPointers s, bool pooled)
    {
        var layout = new NarrowLayout(in g);
        int height = g.InHeight, width = g.InWidth, channels = g.InChannels;
        GemmInt8.QuantizeCodes(x, g.InputImageLength, o.InverseScale, o.ZeroPoint, s.Codes);
        for (int c = 0; c < channels; c++)
        {
            byte* plane = s.Plane + (nint)c * layout.ByteStride;
            if (g.PaddingHeight > 0 || g.PaddingWidth > 0) new Span<byte>(plane, layout.PaddedPlane).Fill((byte)o.ZeroPoint);
            for (int iy = 0; iy < height; iy++)
                new ReadOnlySpan<byte>(s.Codes + ((nint)c * height + iy) * width, width)
                    .CopyTo(new Span<byte>(plane + (nint)(iy + g.PaddingHeight) * layout.PaddedWidth + g.PaddingWidth, width));
        }
        uint* quads = (uint*)s.Columns;
        for (int c = 0; c < channels; c++)
        {
            byte* plane = s.Plane + (nint)c * layout.ByteStride;
            if (layout.Horizontal > 0) HorizontalQuads(plane, quads + (nint)c * layout.ChannelStride, layout.ChannelStride);
            if (layout.Vertical > 0) VerticalQuads(plane, layout.PaddedWidth, quads + (nint)(channels + c) * layout.ChannelStride, layout.ChannelStride);
        }
        Int8Path path = GemmInt8.ForcedPath == Int8Path.Auto ? GemmInt8.BestPath : GemmInt8.ForcedPath;
        bool avx2 = path != Int8Path.Scalar && Avx2.IsSupported;
        if (pooled) NarrowPooled(in layout, in o, quads, y, avx2);
        else if (avx2) NarrowAvx2(in layout, in o, quads, y);
        else NarrowScalar(in layout, in o, quads, y);
    }

    /// <summary>quads[i] = bytes i..i+3 (little-endian), for i in [0, count); reads up to 16 bytes past.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HorizontalQuads(byte* bytes, uint* quads, int count)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            // One 16-byte load makes eight quads: the low lane takes quads i..i+3, the high lane i+4..i+7.
            Vector256<byte> pattern = Vector256.Create((byte)0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6,
                4, 5, 6, 7, 5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10);
            for (; i + 8 <= count; i += 8)
            {
                Vector128<byte> source = Vector128.Load(bytes + i);
                Avx2.Shuffle(Vector256.Create(source, source), pattern).Store((byte*)(quads + i));
            }
        }
        for (; i < count; i++) quads[i] = Unsafe.ReadUnaligned<uint>(bytes + i);
    }

    /// <summary>quads[i] = bytes i, i + width, i + 2·width, i + 3·width, for i in [0, count); reads up to 16 bytes past.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void VerticalQuads(byte* bytes, int width, uint* quads, int count)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated && Sse2.IsSupported)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector128<byte> r0 = Vector128.Load(bytes + i), r1 = Vector128.Load(bytes + i + width);
                Vector128<byte> r2 = Vector128.Load(bytes + i + 2 * width), r3 = Vector128.Load(bytes + i + 3 * width);
                Vector128<ushort> low01 = Sse2.UnpackLow(r0, r1).AsUInt16(), high01 = Sse2.UnpackHigh(r0, r1).AsUInt16();
                Vector128<ushort> low23 = Sse2.UnpackLow(r2, r3).AsUInt16(), high23 = Sse2.UnpackHigh(r2, r3).AsUInt16();
                Sse2.UnpackLow(low01, low23).Store((ushort*)(quads + i));
                Sse2.UnpackHigh(low01, low23).Store((ushort*)(quads + i + 4));
                Sse2.UnpackLow(high01, high23).Store((ushort*)(quads + i + 8));
                Sse2.UnpackHigh(high01, high23).Store((ushort*)(quads + i + 12));
            }
        }
        for (; i < count; i++)
            quads[i] = bytes[i] | (uint)bytes[i + width] << 8 | (uint)bytes[i + 2 * width] << 16 | (uint)bytes[i + 3 * width] << 24;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void NarrowAvx2(in NarrowLayout layout, in Operands o, uint* quads, float* y)
    {
        int* sums = stackalloc int[NarrowRows * NarrowPixels];
        for (int tile = 0; tile < layout.Tiles; tile++)
        {
            int* w = (int*)(o.Narrow + (nint)tile * layout.Groups * NarrowGroupBytes);
            for (int p0 = 0; p0 < layout.Pixels; p0 += NarrowPixels)
            {
                TileAvx2(w, quads + p0, o.GroupOffsets, layout.Groups, sums);
                NarrowStore(in layout, in o, tile, p0, sums, y);
            }
        }
    }

    /// <summary>
    /// One tile's sums: 6 channels × 16 consecutive pixels from <paramref name="quads"/> (the tile's first pixel),
    /// written to <paramref name="sums"/> as 6 rows of 16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileAvx2(int* w, uint* quads, int* offsets, int groups, int* sums)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int group = 0; group < groups; group++, w += NarrowRows)
        {
            uint* a = quads + offsets[group];
            Vector256<byte> a0 = Avx.LoadVector256((byte*)a), a1 = Avx.LoadVector256((byte*)(a + 8));
            Vector256<sbyte> b = Vector256.Create(w[0]).AsSByte();
            c00 = Step(c00, a0, b);
            c01 = Step(c01, a1, b);
            b = Vector256.Create(w[1]).AsSByte();
            c10 = Step(c10, a0, b);
            c11 = Step(c11, a1, b);
            b = Vector256.Create(w[2]).AsSByte();
            c20 = Step(c20, a0, b);
            c21 = Step(c21, a1, b);
            b = Vector256.Create(w[3]).AsSByte();
            c30 = Step(c30, a0, b);
            c31 = Step(c31, a1, b);
            b = Vector256.Create(w[4]).AsSByte();
            c40 = Step(c40, a0, b);
            c41 = Step(c41, a1, b);
            b = Vector256.Create(w[5]).AsSByte();
            c50 = Step(c50, a0, b);
            c51 = Step(c51, a1, b);
        }
        c00.Store(sums);
        c01.Store(sums + 8);
        c10.Store(sums + 16);
        c11.Store(sums + 24);
        c20.Store(sums + 32);
        c21.Store(sums + 40);
        c30.Store(sums + 48);
        c31.Store(sums + 56);
        c40.Store(sums + 64);
        c41.Store(sums + 72);
        c50.Store(sums + 80);
        c51.Store(sums + 88);
    }

    // The ones for vpmaddwd come from memory: all 16 ymm registers hold the 12 sums, two activations and a weight.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Step(Vector256<int> sum, Vector256<byte> a, Vector256<sbyte> w)
        => Avx2.Add(sum, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, w), Vector256.Create((short)1)));

    /// <summary>The same sums as <see cref="NarrowAvx2"/> in plain loops: any machine, and its oracle in the tests.</summary>
    [SkipLocalsInit]
    private static unsafe void NarrowScalar(in NarrowLayout layout, in Operands o, uint* quads, float* y)
    {
        int* sums = stackalloc int[NarrowRows * NarrowPixels];
        for (int tile = 0; tile < layout.Tiles; tile++)
        {
            sbyte* w = o.Narrow + (nint)tile * layout.Groups * NarrowGroupBytes;
            for (int p0 = 0; p0 < layout.Pixels; p0 += NarrowPixels)
            {
                TileScalar(w, quads + p0, o.GroupOffsets, layout.Groups, sums);
                NarrowStore(in layout, in o, tile, p0, sums, y);
            }
        }
    }

    /// <summary><see cref="TileAvx2"/> in plain loops.</summary>
    private static unsafe void TileScalar(sbyte* weights, uint* quads, int* offsets, int groups, int* sums)
    {
        for (int r = 0; r < NarrowRows; r++)
        {
            for (int i = 0; i < NarrowPixels; i++)
            {
                int sum = 0;
                for (int group = 0; group < groups; group++)
                {
                    byte* a = (byte*)(quads + i + offsets[group]);
                    sbyte* w = weights + ((nint)group * NarrowRows + r) * 4;
                    sum += a[0] * w[0] + a[1] * w[1] + a[2] * w[2] + a[3] * w[3];
                }
                sums[r * NarrowPixels + i] = sum;
            }
        }
    }

    /// <summary>
    /// The convolution with 2×2, stride-2 max pooling fused: per output row pair and 16 pixels, the tiles of both
    /// rows, their maximum per 2×2 window over the integer sums, then 8 pooled values per channel dequantised.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void NarrowPooled(in NarrowLayout layout, in Operands o, uint* quads, float* y, bool avx2)
    {
        int* top = stackalloc int[NarrowRows * NarrowPixels], bottom = stackalloc int[NarrowRows * NarrowPixels];
        int wp = layout.PaddedWidth, pooledHeight = layout.OutHeight / 2, pooledWidth = layout.OutWidth / 2;
        for (int tile = 0; tile < layout.Tiles; tile++)
        {
            sbyte* w = o.Narrow + (nint)tile * layout.Groups * NarrowGroupBytes;
            for (int py = 0; py < pooledHeight; py++)
            {
                for (int px = 0; px < pooledWidth; px += NarrowPixels / 2)
                {
                    uint* first = quads + 2 * py * wp + 2 * px;
                    if (avx2)
                    {
                        TileAvx2((int*)w, first, o.GroupOffsets, layout.Groups, top);
                        TileAvx2((int*)w, first + wp, o.GroupOffsets, layout.Groups, bottom);
                    }
                    else
                    {
                        TileScalar(w, first, o.GroupOffsets, layout.Groups, top);
                        TileScalar(w, first + wp, o.GroupOffsets, layout.Groups, bottom);
                    }
                    PooledStore(in layout, in o, tile, py, px, top, bottom, y);
                }
            }
        }
    }

    /// <summary>
    /// Pools two rows of tile sums (16 pixels each) into 8 windows per channel, dequantises them with the epilogue's
    /// operations and stores the ones inside the pooled image. A whole vector is stored when it ends inside the
    /// channel's pooled plane: lanes past the pooled width land in the next pooled row, which a later call writes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void PooledStore(in NarrowLayout layout, in Operands o, int tile, int py, int px, int* top, int* bottom, float* y)
    {
        int pooledWidth = layout.OutWidth / 2, plane = layout.OutHeight / 2 * pooledWidth;
        int rows = Math.Min(NarrowRows, layout.OutChannels - tile * NarrowRows), kept = Math.Min(NarrowPixels / 2, pooledWidth - px);
        if (py * pooledWidth + px + 8 <= plane) kept = 8;
        float* target = y + (nint)tile * NarrowRows * plane + py * pooledWidth + px;
        Vector256<int> even = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6), odd = Vector256.Create(1, 3, 5, 7, 1, 3, 5, 7);
        for (int r = 0; r < rows; r++, target += plane)
        {
            int channel = tile * NarrowRows + r;
            // Vertical maxima of pixels 0..7 and 8..15, then each horizontal pair's.
            Vector256<int> low = Vector256.Max(Vector256.Load(top + r * NarrowPixels), Vector256.Load(bottom + r * NarrowPixels));
            Vector256<int> high = Vector256.Max(Vector256.Load(top + r * NarrowPixels + 8), Vector256.Load(bottom + r * NarrowPixels + 8));
            Vector128<int> lowPairs = Vector128.Max(Vector256.Shuffle(low, even).GetLower(), Vector256.Shuffle(low, odd).GetLower());
            Vector128<int> highPairs = Vector128.Max(Vector256.Shuffle(high, even).GetLower(), Vector256.Shuffle(high, odd).GetLower());
            Vector256<float> value = Vector256.ConvertToSingle(Vector256.Create(lowPairs, highPairs) - Vector256.Create(o.Offset[channel]))
                * Vector256.Create(o.Scale[channel]) + Vector256.Create(o.Bias[channel]);
            if (o.Relu) value = Vector256.ConditionalSelect(Vector256.GreaterThan(value, Vector256<float>.Zero), value, Vector256<float>.Zero);
            if (kept == 8) value.Store(target);
            else for (int i = 0; i < kept; i++) target[i] = value.GetElement(i);
        }
    }

    /// <summary>
    /// Dequantises a tile's sums (rows of 16 pixels) into y [OutChannels, OutH, OutW], dropping padded channels and
    /// the pixels past OutWidth or OutHeight; the same operations, in the same order, as the GEMM's epilogue. Each
    /// half of 8 pixels inside one padded row is one vector store.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void NarrowStore(in NarrowLayout layout, in Operands o, int tile, int p0, int* sums, float* y)
    {
        int outHeight = layout.OutHeight, outWidth = layout.OutWidth, wp = layout.PaddedWidth, plane = outHeight * outWidth;
        int rows = Math.Min(NarrowRows, layout.OutChannels - tile * NarrowRows);
        bool relu = o.Relu;
        for (int half = 0; half < NarrowPixels; half += 8)
        {
            int start = p0 + half, oy = start / wp, ox = start - oy * wp;
            if (oy >= outHeight) return;
            if (ox + 8 > wp)
            {
                StoreScalar(in o, tile, rows, sums + half, oy, ox, wp, outHeight, outWidth, plane, y);
                continue;
            }
            int kept = Math.Min(8, outWidth - ox);
            if (kept <= 0) continue;
            // A whole vector is stored when it ends inside the channel's plane: the lanes past OutWidth land in later
            // rows of the same plane, which later halves of this tile write. Near the plane's end only the kept lanes
            // are stored (masked stores are slow on some AMD cores, so they are avoided).
            if (oy * outWidth + ox + 8 <= plane) kept = 8;
            float* target = y + (nint)tile * NarrowRows * plane + oy * outWidth + ox;
            for (int r = 0; r < rows; r++, target += plane)
            {
                int channel = tile * NarrowRows + r;
                Vector256<float> value = Vector256.ConvertToSingle(Vector256.Load(sums + r * NarrowPixels + half) - Vector256.Create(o.Offset[channel]))
                    * Vector256.Create(o.Scale[channel]) + Vector256.Create(o.Bias[channel]);
                if (relu) value = Vector256.ConditionalSelect(Vector256.GreaterThan(value, Vector256<float>.Zero), value, Vector256<float>.Zero);
                if (kept == 8) value.Store(target);
                else for (int i = 0; i < kept; i++) target[i] = value.GetElement(i);
            }
        }
    }

    /// <summary>Eight pixels that cross a padded row, one at a time (with the same operations as the vectors).</summary>
    private static unsafe void StoreScalar(in Operands o, int tile, int rows, int* sums, int oy, int ox, int wp,
        int outHeight, int outWidth, int plane, float* y)
    {
        for (int i = 0; i < 8; i++)
        {
            if (ox < outWidth && oy < outHeight)
            {
                for (int r = 0; r < rows; r++)
                {
                    int channel = tile * NarrowRows + r;
                    float value = (float)(sums[r * NarrowPixels + i] - o.Offset[channel]) * o.Scale[channel] + o.Bias[channel];
                    y[(nint)channel * plane + oy * outWidth + ox] = o.Relu ? (value > 0f ? value : 0f) : value;
                }
            }
            if (++ox == wp)
            {
                ox = 0;
                oy++;
            }
        }
    }
}
