using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

public static partial class Gemm
{
    /// <summary>
    /// The AVX-512 microkernel: a 12×32 tile of C in 24 zmm accumulators, two B vectors and one broadcast A value
    /// (27 of the 32 zmm registers, leaving the register allocator room so nothing spills).
    /// </summary>
    private struct Kernel512 : IMicrokernel
    {
        public static int MR => 12;
        public static int NR => 32;
        // A B strip, 256×32 (32 KB), fits the 48 KB L1 of current AVX-512 cores while the A block, 144×256
        // (144 KB), streams from L2. Chosen by that arithmetic: the machine this was tuned on has no AVX-512.
        public static int MC => 144;
        public static int KC => 256;
        public static int NC => 4096;

        // SkipLocalsInit: the edge-tile stackalloc is fully written before it is read.
        [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
        public static unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr,
            bool accumulate, float* bias, bool relu)
        {
            Vector512<float> c00a = default, c00b = default, c01a = default, c01b = default;
            Vector512<float> c02a = default, c02b = default, c03a = default, c03b = default;
            Vector512<float> c04a = default, c04b = default, c05a = default, c05b = default;
            Vector512<float> c06a = default, c06b = default, c07a = default, c07b = default;
            Vector512<float> c08a = default, c08b = default, c09a = default, c09b = default;
            Vector512<float> c10a = default, c10b = default, c11a = default, c11b = default;
            Vector512<float> b0, b1, av;

            if (Sse.IsSupported)
            {
                // Start pulling the C tile in now; the write-back reads it only after kc·24 FMAs.
                for (int r = 0; r < 12; r++)
                {
                    Sse.Prefetch0(c + r * ldc);
                    Sse.Prefetch0(c + r * ldc + 16);
                    Sse.Prefetch0(c + r * ldc + 31);
                }
            }

            // Unrolled by two: 48 FMAs per trip leave the loop's own add/compare/branch in the noise.
            int q = 0;
            for (; q + 2 <= kc; q += 2, a += 24, b += 64)
            {
                b0 = Vector512.Load(b + 0);
                b1 = Vector512.Load(b + 16);
                av = Vector512.Create(a[0]);
                c00a = Vector512.FusedMultiplyAdd(av, b0, c00a);
                c00b = Vector512.FusedMultiplyAdd(av, b1, c00b);
                av = Vector512.Create(a[1]);
                c01a = Vector512.FusedMultiplyAdd(av, b0, c01a);
                c01b = Vector512.FusedMultiplyAdd(av, b1, c01b);
                av = Vector512.Create(a[2]);
                c02a = Vector512.FusedMultiplyAdd(av, b0, c02a);
                c02b = Vector512.FusedMultiplyAdd(av, b1, c02b);
                av = Vector512.Create(a[3]);
                c03a = Vector512.FusedMultiplyAdd(av, b0, c03a);
                c03b = Vector512.FusedMultiplyAdd(av, b1, c03b);
                av = Vector512.Create(a[4]);
                c04a = Vector512.FusedMultiplyAdd(av, b0, c04a);
                c04b = Vector512.FusedMultiplyAdd(av, b1, c04b);
                av = Vector512.Create(a[5]);
                c05a = Vector512.FusedMultiplyAdd(av, b0, c05a);
                c05b = Vector512.FusedMultiplyAdd(av, b1, c05b);
                av = Vector512.Create(a[6]);
                c06a = Vector512.FusedMultiplyAdd(av, b0, c06a);
                c06b = Vector512.FusedMultiplyAdd(av, b1, c06b);
                av = Vector512.Create(a[7]);
                c07a = Vector512.FusedMultiplyAdd(av, b0, c07a);
                c07b = Vector512.FusedMultiplyAdd(av, b1, c07b);
                av = Vector512.Create(a[8]);
                c08a = Vector512.FusedMultiplyAdd(av, b0, c08a);
                c08b = Vector512.FusedMultiplyAdd(av, b1, c08b);
                av = Vector512.Create(a[9]);
                c09a = Vector512.FusedMultiplyAdd(av, b0, c09a);
                c09b = Vector512.FusedMultiplyAdd(av, b1, c09b);
                av = Vector512.Create(a[10]);
                c10a = Vector512.FusedMultiplyAdd(av, b0, c10a);
                c10b = Vector512.FusedMultiplyAdd(av, b1, c10b);
                av = Vector512.Create(a[11]);
                c11a = Vector512.FusedMultiplyAdd(av, b0, c11a);
                c11b = Vector512.FusedMultiplyAdd(av, b1, c11b);
                b0 = Vector512.Load(b + 32);
                b1 = Vector512.Load(b + 48);
                av = Vector512.Create(a[12]);
                c00a = Vector512.FusedMultiplyAdd(av, b0, c00a);
                c00b = Vector512.FusedMultiplyAdd(av, b1, c00b);
                av = Vector512.Create(a[13]);
                c01a = Vector512.FusedMultiplyAdd(av, b0, c01a);
                c01b = Vector512.FusedMultiplyAdd(av, b1, c01b);
                av = Vector512.Create(a[14]);
                c02a = Vector512.FusedMultiplyAdd(av, b0, c02a);
                c02b = Vector512.FusedMultiplyAdd(av, b1, c02b);
                av = Vector512.Create(a[15]);
                c03a = Vector512.FusedMultiplyAdd(av, b0, c03a);
                c03b = Vector512.FusedMultiplyAdd(av, b1, c03b);
                av = Vector512.Create(a[16]);
                c04a = Vector512.FusedMultiplyAdd(av, b0, c04a);
                c04b = Vector512.FusedMultiplyAdd(av, b1, c04b);
                av = Vector512.Create(a[17]);
                c05a = Vector512.FusedMultiplyAdd(av, b0, c05a);
                c05b = Vector512.FusedMultiplyAdd(av, b1, c05b);
                av = Vector512.Create(a[18]);
                c06a = Vector512.FusedMultiplyAdd(av, b0, c06a);
                c06b = Vector512.FusedMultiplyAdd(av, b1, c06b);
                av = Vector512.Create(a[19]);
                c07a = Vector512.FusedMultiplyAdd(av, b0, c07a);
                c07b = Vector512.FusedMultiplyAdd(av, b1, c07b);
                av = Vector512.Create(a[20]);
                c08a = Vector512.FusedMultiplyAdd(av, b0, c08a);
                c08b = Vector512.FusedMultiplyAdd(av, b1, c08b);
                av = Vector512.Create(a[21]);
                c09a = Vector512.FusedMultiplyAdd(av, b0, c09a);
                c09b = Vector512.FusedMultiplyAdd(av, b1, c09b);
                av = Vector512.Create(a[22]);
                c10a = Vector512.FusedMultiplyAdd(av, b0, c10a);
                c10b = Vector512.FusedMultiplyAdd(av, b1, c10b);
                av = Vector512.Create(a[23]);
                c11a = Vector512.FusedMultiplyAdd(av, b0, c11a);
                c11b = Vector512.FusedMultiplyAdd(av, b1, c11b);
            }
            if (q < kc)
            {
                b0 = Vector512.Load(b + 0);
                b1 = Vector512.Load(b + 16);
                av = Vector512.Create(a[0]);
                c00a = Vector512.FusedMultiplyAdd(av, b0, c00a);
                c00b = Vector512.FusedMultiplyAdd(av, b1, c00b);
                av = Vector512.Create(a[1]);
                c01a = Vector512.FusedMultiplyAdd(av, b0, c01a);
                c01b = Vector512.FusedMultiplyAdd(av, b1, c01b);
                av = Vector512.Create(a[2]);
                c02a = Vector512.FusedMultiplyAdd(av, b0, c02a);
                c02b = Vector512.FusedMultiplyAdd(av, b1, c02b);
                av = Vector512.Create(a[3]);
                c03a = Vector512.FusedMultiplyAdd(av, b0, c03a);
                c03b = Vector512.FusedMultiplyAdd(av, b1, c03b);
                av = Vector512.Create(a[4]);
                c04a = Vector512.FusedMultiplyAdd(av, b0, c04a);
                c04b = Vector512.FusedMultiplyAdd(av, b1, c04b);
                av = Vector512.Create(a[5]);
                c05a = Vector512.FusedMultiplyAdd(av, b0, c05a);
                c05b = Vector512.FusedMultiplyAdd(av, b1, c05b);
                av = Vector512.Create(a[6]);
                c06a = Vector512.FusedMultiplyAdd(av, b0, c06a);
                c06b = Vector512.FusedMultiplyAdd(av, b1, c06b);
                av = Vector512.Create(a[7]);
                c07a = Vector512.FusedMultiplyAdd(av, b0, c07a);
                c07b = Vector512.FusedMultiplyAdd(av, b1, c07b);
                av = Vector512.Create(a[8]);
                c08a = Vector512.FusedMultiplyAdd(av, b0, c08a);
                c08b = Vector512.FusedMultiplyAdd(av, b1, c08b);
                av = Vector512.Create(a[9]);
                c09a = Vector512.FusedMultiplyAdd(av, b0, c09a);
                c09b = Vector512.FusedMultiplyAdd(av, b1, c09b);
                av = Vector512.Create(a[10]);
                c10a = Vector512.FusedMultiplyAdd(av, b0, c10a);
                c10b = Vector512.FusedMultiplyAdd(av, b1, c10b);
                av = Vector512.Create(a[11]);
                c11a = Vector512.FusedMultiplyAdd(av, b0, c11a);
                c11b = Vector512.FusedMultiplyAdd(av, b1, c11b);
            }

            if (nr == 32)
            {
                // Full-width rows are stored as vectors, also in a bottom edge tile (m not a multiple of 12).
                Vector512<float> bias0 = default, bias1 = default;
                if (bias != null)
                {
                    bias0 = Vector512.Load(bias);
                    bias1 = Vector512.Load(bias + 16);
                }
                StoreRow(c, c00a, c00b, bias0, bias1, accumulate, relu);
                if (mr > 1) StoreRow(c + ldc, c01a, c01b, bias0, bias1, accumulate, relu);
                if (mr > 2) StoreRow(c + 2 * ldc, c02a, c02b, bias0, bias1, accumulate, relu);
                if (mr > 3) StoreRow(c + 3 * ldc, c03a, c03b, bias0, bias1, accumulate, relu);
                if (mr > 4) StoreRow(c + 4 * ldc, c04a, c04b, bias0, bias1, accumulate, relu);
                if (mr > 5) StoreRow(c + 5 * ldc, c05a, c05b, bias0, bias1, accumulate, relu);
                if (mr > 6) StoreRow(c + 6 * ldc, c06a, c06b, bias0, bias1, accumulate, relu);
                if (mr > 7) StoreRow(c + 7 * ldc, c07a, c07b, bias0, bias1, accumulate, relu);
                if (mr > 8) StoreRow(c + 8 * ldc, c08a, c08b, bias0, bias1, accumulate, relu);
                if (mr > 9) StoreRow(c + 9 * ldc, c09a, c09b, bias0, bias1, accumulate, relu);
                if (mr > 10) StoreRow(c + 10 * ldc, c10a, c10b, bias0, bias1, accumulate, relu);
                if (mr > 11) StoreRow(c + 11 * ldc, c11a, c11b, bias0, bias1, accumulate, relu);
            }
            else
            {
                // A right edge tile: park the accumulators, then write back only the valid mr×nr part.
                float* tile = stackalloc float[12 * 32];
                c00a.Store(tile + 0); c00b.Store(tile + 16);
                c01a.Store(tile + 32); c01b.Store(tile + 48);
                c02a.Store(tile + 64); c02b.Store(tile + 80);
                c03a.Store(tile + 96); c03b.Store(tile + 112);
                c04a.Store(tile + 128); c04b.Store(tile + 144);
                c05a.Store(tile + 160); c05b.Store(tile + 176);
                c06a.Store(tile + 192); c06b.Store(tile + 208);
                c07a.Store(tile + 224); c07b.Store(tile + 240);
                c08a.Store(tile + 256); c08b.Store(tile + 272);
                c09a.Store(tile + 288); c09b.Store(tile + 304);
                c10a.Store(tile + 320); c10b.Store(tile + 336);
                c11a.Store(tile + 352); c11b.Store(tile + 368);
                WriteBackPartial(tile, 32, c, ldc, mr, nr, accumulate, bias, relu);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void StoreRow(float* c, Vector512<float> v0, Vector512<float> v1,
            Vector512<float> bias0, Vector512<float> bias1, bool accumulate, bool relu)
        {
            if (accumulate)
            {
                v0 += Vector512.Load(c);
                v1 += Vector512.Load(c + 16);
            }
            v0 += bias0;
            v1 += bias1;
            if (relu)
            {
                // Zero the lanes below 0, leaving NaN and -0 as they are, exactly like the reference's `sum < 0`.
                v0 = Vector512.AndNot(v0, Vector512.LessThan(v0, Vector512<float>.Zero));
                v1 = Vector512.AndNot(v1, Vector512.LessThan(v1, Vector512<float>.Zero));
            }
            Vector512.Store(v0, c);
            Vector512.Store(v1, c + 16);
        }
    }
}
