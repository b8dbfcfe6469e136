using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

// Packing copies a block of op(A) or op(B) into the order the microkernel reads it: strips MR rows tall (A) or
// NR columns wide (B), each stored depth-major and contiguous, the last strip zero-padded. Transposition happens
// here, a block at a time, so the microkernel never knows whether an operand was transposed.
public static partial class Gemm
{
    /// <summary>
    /// Packs op(A)[ic..ic+mc, pc..pc+kc] as MR-row strips: strip t, depth q, row r at t·kc·MR + q·MR + r.
    /// </summary>
    private static unsafe void PackA<TKernel>(in Problem p, int ic, int mc, int pc, int kc, float* dst)
        where TKernel : struct, IMicrokernel
    {
        int mr = TKernel.MR;
        for (int i = 0; i < mc; i += mr, dst += (nint)kc * mr)
        {
            int rows = Math.Min(mr, mc - i);
            if (p.TransA)
                PackStripContiguous(p.A + (nint)pc * p.Lda + ic + i, p.Lda, kc, rows, mr, dst);
            else
                PackStripTransposed(p.A + (nint)(ic + i) * p.Lda + pc, p.Lda, kc, rows, mr, dst);
        }
    }

    /// <summary>
    /// Packs op(B)[pc..pc+kc, jc..jc+nc] as NR-column strips: strip s, depth q, column j at
    /// s·BStripStride(kc) + q·NR + j.
    /// </summary>
    private static unsafe void PackB<TKernel>(in Problem p, int pc, int kc, int jc, int nc, float* dst)
        where TKernel : struct, IMicrokernel
    {
        int nr = TKernel.NR;
        if (!p.TransB && nr % 8 == 0 && Vector256.IsHardwareAccelerated)
        {
            PackRowsIntoStrips<TKernel>(p.B + (nint)pc * p.Ldb + jc, p.Ldb, kc, nc, dst, BStripStride<TKernel>(kc));
            return;
        }
        nint stripStride = BStripStride<TKernel>(kc);
        for (int j = 0; j < nc; j += nr, dst += stripStride)
        {
            int cols = Math.Min(nr, nc - j);
            if (p.TransB)
                PackStripTransposed(p.B + (nint)(jc + j) * p.Ldb + pc, p.Ldb, kc, cols, nr, dst);
            else
                PackStripContiguous(p.B + (nint)pc * p.Ldb + jc + j, p.Ldb, kc, cols, nr, dst);
        }
    }

    /// <summary>
    /// Packs one strip whose <paramref name="count"/> elements per depth step are contiguous in the source
    /// (A transposed, or B as stored): depth step q reads src[q·ld .. q·ld + count].
    /// </summary>
    private static unsafe void PackStripContiguous(float* src, int ld, int kc, int count, int width, float* dst)
    {
        if (count == width && width % 8 == 0 && Vector256.IsHardwareAccelerated)
        {
            for (int q = 0; q < kc; q++, src += ld, dst += width)
                for (int t = 0; t < width; t += 8)
                    Vector256.Store(Vector256.Load(src + t), dst + t);
            return;
        }
        for (int q = 0; q < kc; q++, src += ld, dst += width)
        {
            int t = 0;
            if (Vector128.IsHardwareAccelerated)
                for (; t + 4 <= count; t += 4)
                    Vector128.Store(Vector128.Load(src + t), dst + t);
            for (; t < count; t++) dst[t] = src[t];
            for (; t < width; t++) dst[t] = 0f;
        }
    }

    /// <summary>
    /// Packs one strip whose elements for one depth step are <paramref name="ld"/> apart in the source (A as
    /// stored, or B transposed): element r of depth step q is src[r·ld + q]. Whole 8×8 blocks are transposed
    /// in registers; the rest goes element by element.
    /// </summary>
    private static unsafe void PackStripTransposed(float* src, int ld, int kc, int count, int width, float* dst)
    {
        int r = 0;
        if (Avx.IsSupported && count == 6 && width == 6)
        {
            // The 6-row A strip of the AVX2 kernel: 8-float stores 6 apart, in increasing order, so each store's
            // two spare lanes are overwritten by the next one (the last spills into the next strip or the slack).
            int q = 0;
            for (; q + 8 <= kc; q += 8)
                Transpose6x8(src + q, ld, dst + (nint)q * 6);
            for (; q < kc; q++)
                for (int t = 0; t < 6; t++)
                    dst[(nint)q * 6 + t] = src[(nint)t * ld + q];
            return;
        }
        if (Avx.IsSupported && count >= 8)
        {
            // Depth blocks outside, row groups inside: each packed row (one cache line when NR = 16) is written
            // whole before moving on.
            int groups = count / 8 * 8;
            int q = 0;
            for (; q + 8 <= kc; q += 8)
                for (int g = 0; g < groups; g += 8)
                    Transpose8x8(src + (nint)g * ld + q, ld, dst + (nint)q * width + g, width);
            for (; q < kc; q++)
                for (int g = 0; g < groups; g++)
                    dst[(nint)q * width + g] = src[(nint)g * ld + q];
            r = groups;
        }
        // Row by row: reads stay sequential, the strided writes land in the strip, which is in L1.
        for (; r < count; r++)
        {
            float* row = src + (nint)r * ld;
            float* column = dst + r;
            for (int q = 0; q < kc; q++) column[(nint)q * width] = row[q];
        }
        for (; r < width; r++)
        {
            float* column = dst + r;
            for (int q = 0; q < kc; q++) column[(nint)q * width] = 0f;
        }
    }

    /// <summary>
    /// Packs B as stored into NR-wide strips a whole source row at a time, so the reads stream through B
    /// sequentially; the writes go one row into every strip in turn. The last partial strip is zero-padded.
    /// </summary>
    private static unsafe void PackRowsIntoStrips<TKernel>(float* src, int ld, int kc, int nc, float* dst,
        nint stripStride) where TKernel : struct, IMicrokernel
    {
        int width = TKernel.NR;
        int full = nc / width * width;
        for (int q = 0; q < kc; q++, src += ld)
        {
            float* d = dst + (nint)q * width;
            int j = 0;
            for (; j < full; j += width, d += stripStride)
                for (int t = 0; t < width; t += 8)
                    Vector256.Store(Vector256.Load(src + j + t), d + t);
            if (j < nc)
            {
                int t = 0;
                for (; j + t < nc; t++) d[t] = src[j + t];
                for (; t < width; t++) d[t] = 0f;
            }
        }
    }

    /// <summary>
    /// Writes the transpose of the 8×8 block at src (row stride ld) to dst (row stride dstStride): dst row q
    /// holds the eight source rows' element q.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8x8(float* src, int ld, float* dst, int dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + ld);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * (nint)ld), r3 = Avx.LoadVector256(src + 3 * (nint)ld);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * (nint)ld), r5 = Avx.LoadVector256(src + 5 * (nint)ld);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * (nint)ld), r7 = Avx.LoadVector256(src + 7 * (nint)ld);

        StoreTransposed(r0, r1, r2, r3, r4, r5, r6, r7, dst, dstStride);
    }

    /// <summary>
    /// Like <see cref="Transpose8x8"/> for six source rows: dst row q gets the six elements q followed by two
    /// spare lanes, which the caller overwrites.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose6x8(float* src, int ld, float* dst)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + ld);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * (nint)ld), r3 = Avx.LoadVector256(src + 3 * (nint)ld);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * (nint)ld), r5 = Avx.LoadVector256(src + 5 * (nint)ld);
        StoreTransposed(r0, r1, r2, r3, r4, r5, r0, r1, dst, 6);
    }

    /// <summary>Stores column q of the 8 row vectors as 8 floats at dst + q·dstStride, q ascending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreTransposed(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2,
        Vector256<float> r3, Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        float* dst, int dstStride)
    {
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves: the standard 8×8 float transpose.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);

        nint stride = dstStride;
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + stride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * stride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * stride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * stride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * stride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * stride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * stride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
