using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

public static partial class Gemm
{
    /// <summary>
    /// The AVX2 microkernel: a 6×16 tile of C in 12 ymm accumulators, two B vectors and one broadcast A value:
    /// 15 of the 16 ymm registers. Twelve independent FMA chains cover the FMA latency on two pipes.
    /// </summary>
    private struct Kernel256 : IMicrokernel
    {
        public static int MR => 6;
        public static int NR => 16;
        // A B strip 256×16 (16 KB) stays in the 32 KB L1 while the A block, 120×256 (120 KB), streams from L2.
        public static int MC => 120;
        public static int KC => 256;
        public static int NC => 4080;

        // SkipLocalsInit: the edge-tile stackalloc is fully written before it is read.
        [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
        public static unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr,
            bool accumulate, float* bias, bool relu)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
            Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
            Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;
            Vector256<float> b0, b1, av;

            if (Sse.IsSupported)
            {
                // Start pulling the C tile in now; the write-back reads it only after kc·6 cycles of FMAs.
                for (int r = 0; r < 6; r++)
                {
                    Sse.Prefetch0(c + r * ldc);
                    Sse.Prefetch0(c + r * ldc + 15);
                }
            }

            // Unrolled by four: the loop's own add/compare/branch otherwise cost measurably against 12 FMAs.
            int q = 0;
            for (; q + 4 <= kc; q += 4, a += 24, b += 64)
            {
                b0 = Vector256.Load(b);
                b1 = Vector256.Load(b + 8);
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
                b0 = Vector256.Load(b + 16);
                b1 = Vector256.Load(b + 16 + 8);
                av = Vector256.Create(a[6]);
                c00 = Vector256.FusedMultiplyAdd(av, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
                av = Vector256.Create(a[7]);
                c10 = Vector256.FusedMultiplyAdd(av, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
                av = Vector256.Create(a[8]);
                c20 = Vector256.FusedMultiplyAdd(av, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
                av = Vector256.Create(a[9]);
                c30 = Vector256.FusedMultiplyAdd(av, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
                av = Vector256.Create(a[10]);
                c40 = Vector256.FusedMultiplyAdd(av, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
                av = Vector256.Create(a[11]);
                c50 = Vector256.FusedMultiplyAdd(av, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
                b0 = Vector256.Load(b + 32);
                b1 = Vector256.Load(b + 32 + 8);
                av = Vector256.Create(a[12]);
                c00 = Vector256.FusedMultiplyAdd(av, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
                av = Vector256.Create(a[13]);
                c10 = Vector256.FusedMultiplyAdd(av, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
                av = Vector256.Create(a[14]);
                c20 = Vector256.FusedMultiplyAdd(av, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
                av = Vector256.Create(a[15]);
                c30 = Vector256.FusedMultiplyAdd(av, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
                av = Vector256.Create(a[16]);
                c40 = Vector256.FusedMultiplyAdd(av, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
                av = Vector256.Create(a[17]);
                c50 = Vector256.FusedMultiplyAdd(av, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
                b0 = Vector256.Load(b + 48);
                b1 = Vector256.Load(b + 48 + 8);
                av = Vector256.Create(a[18]);
                c00 = Vector256.FusedMultiplyAdd(av, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
                av = Vector256.Create(a[19]);
                c10 = Vector256.FusedMultiplyAdd(av, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
                av = Vector256.Create(a[20]);
                c20 = Vector256.FusedMultiplyAdd(av, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
                av = Vector256.Create(a[21]);
                c30 = Vector256.FusedMultiplyAdd(av, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
                av = Vector256.Create(a[22]);
                c40 = Vector256.FusedMultiplyAdd(av, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
                av = Vector256.Create(a[23]);
                c50 = Vector256.FusedMultiplyAdd(av, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            }
            for (; q < kc; q++, a += 6, b += 16)
            {
                b0 = Vector256.Load(b);
                b1 = Vector256.Load(b + 8);
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

            if (nr == 16)
            {
                // Full-width rows are stored as vectors, also in a bottom edge tile (m not a multiple of 6).
                Vector256<float> bias0 = default, bias1 = default;
                if (bias != null)
                {
                    bias0 = Vector256.Load(bias);
                    bias1 = Vector256.Load(bias + 8);
                }
                StoreRow(c, c00, c01, bias0, bias1, accumulate, relu);
                if (mr > 1) StoreRow(c + ldc, c10, c11, bias0, bias1, accumulate, relu);
                if (mr > 2) StoreRow(c + 2 * ldc, c20, c21, bias0, bias1, accumulate, relu);
                if (mr > 3) StoreRow(c + 3 * ldc, c30, c31, bias0, bias1, accumulate, relu);
                if (mr > 4) StoreRow(c + 4 * ldc, c40, c41, bias0, bias1, accumulate, relu);
                if (mr > 5) StoreRow(c + 5 * ldc, c50, c51, bias0, bias1, accumulate, relu);
            }
            else
            {
                // A right edge tile: park the accumulators, then write back only the valid mr×nr part.
                float* tile = stackalloc float[6 * 16];
                c00.Store(tile); c01.Store(tile + 8);
                c10.Store(tile + 16); c11.Store(tile + 24);
                c20.Store(tile + 32); c21.Store(tile + 40);
                c30.Store(tile + 48); c31.Store(tile + 56);
                c40.Store(tile + 64); c41.Store(tile + 72);
                c50.Store(tile + 80); c51.Store(tile + 88);
                WriteBackPartial(tile, 16, c, ldc, mr, nr, accumulate, bias, relu);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe void StoreRow(float* c, Vector256<float> v0, Vector256<float> v1,
            Vector256<float> bias0, Vector256<float> bias1, bool accumulate, bool relu)
        {
            if (accumulate)
            {
                v0 += Vector256.Load(c);
                v1 += Vector256.Load(c + 8);
            }
            v0 += bias0;
            v1 += bias1;
            if (relu)
            {
                // Zero the lanes below 0, leaving NaN and -0 as they are, exactly like the reference's `sum < 0`.
                v0 = Vector256.AndNot(v0, Vector256.LessThan(v0, Vector256<float>.Zero));
                v1 = Vector256.AndNot(v1, Vector256.LessThan(v1, Vector256<float>.Zero));
            }
            Vector256.Store(v0, c);
            Vector256.Store(v1, c + 8);
        }
    }
}
