using System.Runtime.CompilerServices;

namespace ModelGen.Kernels;

// The GotoBLAS/BLIS loop nest: columns of C in NC blocks, depth in KC blocks (B packed once per block), rows in
// MC blocks (A packed once per block), then NR×MR tiles handed to the microkernel.
public static partial class Gemm
{
    /// <summary>One multiply's arguments, pinned, as the driver and packing routines see them.</summary>
    private readonly unsafe struct Problem(int m, int n, int k,
        float* a, int lda, bool transA, float* b, int ldb, bool transB, float* c, int ldc,
        bool accumulate, float* bias, bool relu)
    {
        public readonly int M = m, N = n, K = k;
        public readonly float* A = a, B = b, C = c, Bias = bias;
        public readonly int Lda = lda, Ldb = ldb, Ldc = ldc;
        public readonly bool TransA = transA, TransB = transB, Accumulate = accumulate, Relu = relu;

        /// <summary>
        /// op(B) already packed whole (<see cref="PackedB"/>), or null: B is then packed per block. When set, column
        /// j of this problem is column <see cref="PackedColumn0"/> + j of the packed matrix, which has
        /// <see cref="PackedStrips"/> strips per depth block.
        /// </summary>
        public float* Packed { get; init; }
        public int PackedColumn0 { get; init; }
        public int PackedStrips { get; init; }
    }

    /// <summary>Runs the whole problem on the calling thread.</summary>
    private static void RunSerial<TKernel>(in Problem p) where TKernel : struct, IMicrokernel
    {
        // Blocks are balanced (784 columns become 2×392, not 512 + 272) so no block is a thin, slow remainder.
        int ncMax = RoundUp(CeilDiv(p.N, CeilDiv(p.N, TKernel.NC)), TKernel.NR);
        PackBuffers buffers = PackBuffers.ForCurrentThread();

        // Column blocks write disjoint columns of C and share nothing but the read-only inputs; Run (in
        // Gemm.Threading.cs) hands a second thread a sub-problem of its own columns or rows for that reason.
        for (int jc = 0; jc < p.N; jc += ncMax)
            RunColumnBlock<TKernel>(in p, jc, Math.Min(ncMax, p.N - jc), buffers);
    }

    /// <summary>Computes the columns [jc, jc + nc) of C completely.</summary>
    private static unsafe void RunColumnBlock<TKernel>(in Problem p, int jc, int nc, PackBuffers buffers)
        where TKernel : struct, IMicrokernel
    {
        int kcMax = DepthBlock<TKernel>(p.K);
        int mcMax = RoundUp(CeilDiv(p.M, CeilDiv(p.M, TKernel.MC)), TKernel.MR);
        float* packedB = p.Packed != null ? null : buffers.B.Reserve((int)BStripStride<TKernel>(kcMax) * CeilDiv(nc, TKernel.NR));
        float* packedA = buffers.A.Reserve(kcMax * mcMax);

        for (int pc = 0; pc < p.K; pc += kcMax)
        {
            int kc = Math.Min(kcMax, p.K - pc);
            if (p.Packed != null)
            {
                // Prepacked: the strips of this block's columns are already laid out exactly as PackB writes them.
                packedB = p.Packed + PackedBlockOffset<TKernel>(pc / kcMax, kcMax, p.PackedStrips)
                    + (p.PackedColumn0 + jc) / TKernel.NR * BStripStride<TKernel>(kc);
            }
            else
            {
                PackB<TKernel>(in p, pc, kc, jc, nc, packedB);
            }

            // Only the first depth block sees the caller's C (beta); only the last one sees bias and ReLU.
            bool accumulate = pc != 0 || p.Accumulate;
            bool last = pc + kc == p.K;
            float* bias = last && p.Bias != null ? p.Bias + jc : null;
            bool relu = last && p.Relu;

            for (int ic = 0; ic < p.M; ic += mcMax)
            {
                int mc = Math.Min(mcMax, p.M - ic);
                PackA<TKernel>(in p, ic, mc, pc, kc, packedA);
                MacroKernel<TKernel>(kc, mc, nc, packedA, packedB, p.C + (nint)ic * p.Ldc + jc, p.Ldc,
                    accumulate, bias, relu);
            }
        }
    }

    /// <summary>
    /// Sweeps one packed MC×KC block of A against one packed KC×NC panel of B. The B strip is the outer loop so
    /// it stays in L1 while the A strips stream from L2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MacroKernel<TKernel>(int kc, int mc, int nc, float* packedA, float* packedB,
        float* c, int ldc, bool accumulate, float* bias, bool relu) where TKernel : struct, IMicrokernel
    {
        for (int jr = 0; jr < nc; jr += TKernel.NR)
        {
            int nr = Math.Min(TKernel.NR, nc - jr);
            float* bStrip = packedB + jr / TKernel.NR * BStripStride<TKernel>(kc);
            float* biasStrip = bias == null ? null : bias + jr;
            for (int ir = 0; ir < mc; ir += TKernel.MR)
            {
                int mr = Math.Min(TKernel.MR, mc - ir);
                TKernel.Run(kc, packedA + (nint)ir * kc, bStrip, c + (nint)ir * ldc + jr, ldc, mr, nr,
                    accumulate, biasStrip, relu);
            }
        }
    }

    /// <summary>
    /// Floats from one packed B strip to the next: kc·NR plus one cache line. Without the line, when kc·NR·4 bytes
    /// is a multiple of 4 KB (kc = 64, 128, 256, ...) every strip starts in the same L1 set, and packing, which
    /// writes one row into every strip in turn, thrashes that set (measured: 30% slower packing).
    /// </summary>
    private static nint BStripStride<TKernel>(int kc) where TKernel : struct, IMicrokernel
        => (nint)kc * TKernel.NR + 16;

    /// <summary>The depth of a full KC block for depth k: balanced, so the last block is not a thin remainder.</summary>
    private static int DepthBlock<TKernel>(int k) where TKernel : struct, IMicrokernel
        => CeilDiv(k, CeilDiv(k, TKernel.KC));

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int multiple) => CeilDiv(x, multiple) * multiple;

    /// <summary>C = (accumulate ? C : 0) + bias then activation: the whole multiply when k is 0.</summary>
    private static void EpilogueOnly(int m, int n, Span<float> c, int ldc, bool accumulate,
        ReadOnlySpan<float> bias, bool relu)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            for (int j = 0; j < n; j++)
            {
                float v = accumulate ? row[j] : 0f;
                if (!bias.IsEmpty) v += bias[j];
                row[j] = relu && v < 0 ? 0f : v;
            }
        }
    }

    /// <summary>Proves every index the unsafe kernels will touch lies inside its span.</summary>
    private static void Validate(int m, int n, int k, ReadOnlySpan<float> a, int lda, bool transA,
        ReadOnlySpan<float> b, int ldb, bool transB, ReadOnlySpan<float> c, int ldc, ReadOnlySpan<float> bias)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (m == 0 || n == 0) return;
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a));
        CheckMatrix(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b));
        CheckMatrix(c.Length, m, n, ldc, nameof(c));
        if (!bias.IsEmpty && bias.Length < n)
            throw new ArgumentException($"bias has {bias.Length} elements; n is {n}.", nameof(bias));
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, string name)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols)
        {
            throw new ArgumentOutOfRangeException(name,
                $"Leading dimension {ld} of {name} is less than its row length {cols}.");
        }
        long needed = (long)(rows - 1) * ld + cols;
        if (needed > length)
        {
            throw new ArgumentException(
                $"{name} has {length} elements; {rows}×{cols} with stride {ld} needs {needed}.", name);
        }
    }
}
