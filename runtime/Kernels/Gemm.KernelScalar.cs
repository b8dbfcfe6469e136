using System.Runtime.CompilerServices;

namespace ModelGen.Kernels;

public static partial class Gemm
{
    /// <summary>
    /// The portable microkernel: a 4×4 tile in 16 scalar accumulators, for machines with neither vector path.
    /// It keeps the same packed layout, so the driver and packing are shared with the vector kernels.
    /// </summary>
    private struct KernelScalar : IMicrokernel
    {
        public static int MR => 4;
        public static int NR => 4;
        public static int MC => 64;
        public static int KC => 256;
        public static int NC => 1024;

        // SkipLocalsInit: the edge-tile stackalloc is fully written before it is read.
        [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
        public static unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr,
            bool accumulate, float* bias, bool relu)
        {
            float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            for (int q = 0; q < kc; q++, a += 4, b += 4)
            {
                float b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
                float av = a[0];
                c00 += av * b0; c01 += av * b1; c02 += av * b2; c03 += av * b3;
                av = a[1];
                c10 += av * b0; c11 += av * b1; c12 += av * b2; c13 += av * b3;
                av = a[2];
                c20 += av * b0; c21 += av * b1; c22 += av * b2; c23 += av * b3;
                av = a[3];
                c30 += av * b0; c31 += av * b1; c32 += av * b2; c33 += av * b3;
            }

            float* tile = stackalloc float[16];
            tile[0] = c00; tile[1] = c01; tile[2] = c02; tile[3] = c03;
            tile[4] = c10; tile[5] = c11; tile[6] = c12; tile[7] = c13;
            tile[8] = c20; tile[9] = c21; tile[10] = c22; tile[11] = c23;
            tile[12] = c30; tile[13] = c31; tile[14] = c32; tile[15] = c33;
            WriteBackPartial(tile, 4, c, ldc, mr, nr, accumulate, bias, relu);
        }
    }

    /// <summary>
    /// The epilogue of an edge tile, element by element: C[i, j] = (accumulate ? C : 0) + tile[i, j] (+ bias[j])
    /// (then ReLU) for i &lt; mr, j &lt; nr. Shared by every microkernel.
    /// </summary>
    private static unsafe void WriteBackPartial(float* tile, int tileStride, float* c, nint ldc, int mr, int nr,
        bool accumulate, float* bias, bool relu)
    {
        for (int i = 0; i < mr; i++, tile += tileStride, c += ldc)
        {
            for (int j = 0; j < nr; j++)
            {
                float v = tile[j];
                if (accumulate) v += c[j];
                if (bias != null) v += bias[j];
                c[j] = relu && v < 0 ? 0f : v;
            }
        }
    }
}
