using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ModelGen.Kernels;

namespace ModelGen.Quantization;

// The pixels-as-rows kernel: a channels-last padded plane of codes, an im2col gather of whole kernel rows, the
// int8 GEMM, and a transpose into NCHW. Also the per-thread scratch both kernels use.
public sealed partial class Int8Conv2d
{
    /// <summary>Spare bytes after every byte buffer: the gather and the quad build move up to 32 bytes at a time.</summary>
    private const int Spare = 32;

    /// <summary>
    /// One thread's buffers, allocated pinned once at construction (the chunks reach them through raw pointers).
    /// Wide: the channels-last plane, the im2col rows and the [pixels, channels] GEMM result. Narrow: the padded
    /// channel planes and their quads (<see cref="NarrowImage"/>).
    /// </summary>
    private sealed unsafe class Scratch
    {
        private readonly byte[] _codes, _plane, _columns;
        private readonly float[] _pixels, _pooled;

        public Scratch(in Conv2dGeometry g, bool narrow, bool pooled)
        {
            // The wide kernel's pooled [pixels / 4, channels] tile before its move into NCHW.
            _pooled = pooled && !narrow ? GC.AllocateArray<float>(g.OutHeight / 2 * (g.OutWidth / 2) * g.OutChannels, pinned: true) : [];
            int paddedPlane = (g.InHeight + 2 * g.PaddingHeight) * (g.InWidth + 2 * g.PaddingWidth);
            _codes = GC.AllocateArray<byte>(g.InputImageLength + Spare, pinned: true);
            if (narrow)
            {
                NarrowLayout layout = new(in g);
                _plane = GC.AllocateArray<byte>(g.InChannels * layout.ByteStride + Spare, pinned: true);
                // The quads: horizontal for every channel, then vertical.
                _columns = GC.AllocateArray<byte>(2 * g.InChannels * layout.ChannelStride * sizeof(uint) + Spare, pinned: true);
                _pixels = [];
            }
            else
            {
                _plane = GC.AllocateArray<byte>(paddedPlane * g.InChannels + Spare, pinned: true);
                // The im2col rows, only for the gather (dilated convolutions).
                _columns = ReadsInPlace(in g) ? [] : GC.AllocateArray<byte>(g.OutHeight * g.OutWidth * GemmInt8.PaddedDepth(g.ColumnRows) + Spare, pinned: true);
                _pixels = GC.AllocateArray<float>(g.OutHeight * g.OutWidth * g.OutChannels, pinned: true);
            }
        }

        public ScratchPointers Pointers => new((byte*)Unsafe.AsPointer(ref _codes[0]),
            (byte*)Unsafe.AsPointer(ref _plane[0]), _columns.Length == 0 ? null : (byte*)Unsafe.AsPointer(ref _columns[0]),
            _pixels.Length == 0 ? null : (float*)Unsafe.AsPointer(ref _pixels[0]),
            _pooled.Length == 0 ? null : (float*)Unsafe.AsPointer(ref _pooled[0]));
    }

    /// <summary>A <see cref="Scratch"/>'s pinned buffers.</summary>
    private readonly unsafe struct ScratchPointers(byte* codes, byte* plane, byte* columns, float* pixels, float* pooled)
    {
        // Codes: the image quantised as it lies (NCHW), before the rows move into the padded plane.
        public readonly byte* Codes = codes, Plane = plane, Columns = columns;
        public readonly float* Pixels = pixels, Pooled = pooled;
    }

    /// <summary>
    /// Whether the wide kernel reads each output pixel's taps in place, kernel row by kernel row, from the
    /// channels-last plane (an implicit GEMM, <see cref="GemmInt8.MultiplyRows"/>): with horizontal dilation 1 a
    /// kernel row of all channels is KW·InChannels contiguous bytes, and the rows lie DilationHeight plane rows
    /// apart. Horizontally dilated convolutions gather im2col rows first.
    /// </summary>
    internal static bool ReadsInPlace(in Conv2dGeometry g) => g.DilationWidth == 1;

    /// <summary>
    /// Bytes of one kernel row in the wide kernel's depth: KW·InChannels, rounded up to whole depth groups when read
    /// in place (the bytes past the run belong to the next pixel and meet zero weights).
    /// </summary>
    private static int KernelRowBytes(in Conv2dGeometry g)
        => ReadsInPlace(in g) ? GemmInt8.PaddedDepth(g.KernelWidth * g.InChannels) : g.KernelWidth * g.InChannels;

    /// <summary>Where each output pixel's first kernel row starts in the channels-last plane, in bytes.</summary>
    private static int[] RowOffsets(in Conv2dGeometry g)
    {
        int paddedWidth = g.InWidth + 2 * g.PaddingWidth, channels = g.InChannels;
        var offsets = new int[g.OutHeight * g.OutWidth];
        for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
                offsets[oy * g.OutWidth + ox] = (oy * g.StrideHeight * paddedWidth + ox * g.StrideWidth) * channels;
        return offsets;
    }

    /// <summary>One image through the pixels-as-rows kernel: plane, GEMM (in place, or after a gather), then transpose (or pool and transpose).</summary>
    private static unsafe void WideImage(float* x, float* y, in Conv2dGeometry g, in Operands o, in ScratchPointers s, bool pooled)
    {
        int pixels = g.OutHeight * g.OutWidth, depth = g.ColumnRows, kp = GemmInt8.PaddedDepth(depth);
        GemmInt8.QuantizeCodes(x, g.InputImageLength, o.InverseScale, o.ZeroPoint, s.Codes);
        ChannelsLastPlane(s.Codes, in g, (byte)o.ZeroPoint, s.Plane);
        if (o.RowOffsets != null)
        {
            nint kernelRowStride = (nint)g.DilationHeight * (g.InWidth + 2 * g.PaddingWidth) * g.InChannels;
            GemmInt8.MultiplyRows(pixels, g.OutChannels, g.KernelHeight, KernelRowBytes(in g), kernelRowStride,
                s.Plane, o.RowOffsets, o.Packed, o.Offset, o.Scale, o.Bias, o.Relu, s.Pixels, g.OutChannels);
        }
        else
        {
            Gather(s.Plane, in g, s.Columns);
            GemmInt8.Multiply(pixels, g.OutChannels, depth, new ReadOnlySpan<byte>(s.Columns, pixels * kp),
                new ReadOnlySpan<sbyte>(o.Packed, o.PackedLength), new ReadOnlySpan<int>(o.Offset, o.Columns),
                new ReadOnlySpan<float>(o.Scale, o.Columns), new ReadOnlySpan<float>(o.Bias, o.Columns), o.Relu,
                new Span<float>(s.Pixels, pixels * g.OutChannels), g.OutChannels);
        }
        if (!pooled)
        {
            Transpose(s.Pixels, pixels, g.OutChannels, y);
            return;
        }
        int pooledPixels = PoolPixelRows(s.Pixels, g.OutHeight, g.OutWidth, g.OutChannels, s.Pooled);
        Transpose(s.Pooled, pooledPixels, g.OutChannels, y);
    }

    /// <summary>
    /// 2×2, stride-2 max pooling of [OutH·OutW, channels] rows into [(OutH/2)·(OutW/2), channels] rows: each pooled
    /// row is the lane-wise maximum of four pixel rows (a trailing odd row or column is dropped, as PyTorch does).
    /// Returns the pooled rows. No NaN can reach it (the values are dequantised integer sums).
    /// </summary>
    private static unsafe int PoolPixelRows(float* pixels, int height, int width, int channels, float* pooled)
    {
        int pooledHeight = height / 2, pooledWidth = width / 2, vectorChannels = channels / 8 * 8;
        nint rowStride = (nint)width * channels;
        for (int py = 0; py < pooledHeight; py++)
        {
            for (int px = 0; px < pooledWidth; px++, pooled += channels)
            {
                float* top = pixels + 2 * py * rowStride + (nint)2 * px * channels, bottom = top + rowStride;
                int j = 0;
                for (; j < vectorChannels; j += 8)
                {
                    Vector256<float> left = Vector256.Max(Vector256.Load(top + j), Vector256.Load(top + channels + j));
                    Vector256<float> right = Vector256.Max(Vector256.Load(bottom + j), Vector256.Load(bottom + channels + j));
                    Vector256.Max(left, right).Store(pooled + j);
                }
                for (; j < channels; j++)
                    pooled[j] = Math.Max(Math.Max(top[j], top[channels + j]), Math.Max(bottom[j], bottom[channels + j]));
            }
        }
        return pooledHeight * pooledWidth;
    }

    /// <summary>
    /// Moves one image's codes (NCHW) into a channels-last plane [InH + 2·padH, InW + 2·padW, InChannels] whose
    /// border holds the zero point (the code of 0.0), so the gather needs no bounds checks.
    /// </summary>
    private static unsafe void ChannelsLastPlane(byte* codes, in Conv2dGeometry g, byte zeroPoint, byte* plane)
    {
        int channels = g.InChannels, height = g.InHeight, width = g.InWidth, padH = g.PaddingHeight, padW = g.PaddingWidth;
        int paddedWidth = width + 2 * padW;
        if (padH > 0 || padW > 0)
            new Span<byte>(plane, (height + 2 * padH) * paddedWidth * channels).Fill(zeroPoint);
        for (int iy = 0; iy < height; iy++)
        {
            byte* target = plane + ((nint)(iy + padH) * paddedWidth + padW) * channels;
            if (channels == 1)
            {
                new ReadOnlySpan<byte>(codes + (nint)iy * width, width).CopyTo(new Span<byte>(target, width));
                continue;
            }
            for (int c = 0; c < channels; c++)
            {
                byte* source = codes + ((nint)c * height + iy) * width;
                for (int ix = 0; ix < width; ix++) target[ix * channels + c] = source[ix];
            }
        }
    }

    /// <summary>
    /// im2col from the channels-last plane, for horizontally dilated convolutions (the others read the plane in
    /// place): row r = oy·OutWidth + ox holds pixel (oy, ox)'s taps in (ky, kx, channel) order, the packed weights'
    /// order, each tap's channels one move; the row's tail up to PaddedDepth is 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Gather(byte* plane, in Conv2dGeometry g, byte* columns)
    {
        int depth = g.ColumnRows, kp = GemmInt8.PaddedDepth(depth), outHeight = g.OutHeight, outWidth = g.OutWidth;
        int channels = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth, strideH = g.StrideHeight, strideW = g.StrideWidth;
        int dilationH = g.DilationHeight, dilationW = g.DilationWidth;
        int rowBytes = (g.InWidth + 2 * g.PaddingWidth) * channels;
        byte* row = columns;
        for (int oy = 0; oy < outHeight; oy++)
        {
            for (int ox = 0; ox < outWidth; ox++, row += kp)
            {
                byte* origin = plane + (nint)oy * strideH * rowBytes + (nint)ox * strideW * channels;
                // Taps are written in increasing offset: a move's bytes past its tap land where a later tap, the
                // zeroed tail, the next row or the buffer's spare bytes are written.
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++)
                        Move(row + (ky * kw + kx) * channels, origin + (nint)ky * dilationH * rowBytes + kx * dilationW * channels, channels);
                for (int p = depth; p < kp; p++) row[p] = 0;
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> bytes, writing (and reading) up to 31 more: see <see cref="Gather"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Move(byte* to, byte* from, int count)
    {
        if (count <= sizeof(ulong))
        {
            Unsafe.WriteUnaligned(to, Unsafe.ReadUnaligned<ulong>(from));
            return;
        }
        if (count <= 16)
        {
            Vector128.Store(Vector128.Load(from), to);
            return;
        }
        for (int i = 0; i < count; i += 32) Vector256.Store(Vector256.Load(from + i), to + i);
    }

    /// <summary>[pixels, channels] to [channels, pixels]: the GEMM's pixel rows to the NCHW image, 8×8 blocks at a time.</summary>
    private static unsafe void Transpose(float* from, int pixels, int channels, float* to)
    {
        int vectorChannels = Avx.IsSupported ? channels / 8 * 8 : 0, vectorPixels = pixels / 8 * 8;
        for (int j = 0; j < vectorChannels; j += 8)
            for (int i = 0; i < vectorPixels; i += 8)
                Transpose8x8(from + (nint)i * channels + j, channels, to + (nint)j * pixels + i, pixels);
        for (int j = 0; j < channels; j++)
        {
            float* plane = to + (nint)j * pixels, column = from + j;
            for (int i = j < vectorChannels ? vectorPixels : 0; i < pixels; i++) plane[i] = column[(nint)i * channels];
        }
    }

    /// <summary>Transposes one 8×8 block of floats: the unpack, shuffle and lane-permute network.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* from, int fromStride, float* to, int toStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(from), r1 = Avx.LoadVector256(from + fromStride);
        Vector256<float> r2 = Avx.LoadVector256(from + 2 * fromStride), r3 = Avx.LoadVector256(from + 3 * fromStride);
        Vector256<float> r4 = Avx.LoadVector256(from + 4 * fromStride), r5 = Avx.LoadVector256(from + 5 * fromStride);
        Vector256<float> r6 = Avx.LoadVector256(from + 6 * fromStride), r7 = Avx.LoadVector256(from + 7 * fromStride);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(to, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(to + toStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(to + 2 * toStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(to + 3 * toStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(to + 4 * toStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(to + 5 * toStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(to + 6 * toStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(to + 7 * toStride, Avx.Permute2x128(u3, u7, 0x31));
    }
}
