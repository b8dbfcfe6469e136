namespace ModelGen.Kernels;

// Weights packed once: inference multiplies the same B (a layer's weight) on every call, and packing op(B) into
// panels is a visible share of a small multiply (MLP 784-256-128-10 at batch 64 repacks 235K floats per Forward).
// oneDNN, MLAS and XNNPACK pack weights ahead of time for the same reason.
public static partial class Gemm
{
    /// <summary>
    /// op(B) of one multiply, [k, n], packed once in exactly the NR-wide, KC-deep panels that the blocked GEMM of
    /// the current path (AVX-512, AVX2 or scalar) packs per call, for <see cref="MultiplyPacked"/>.
    /// The panels are a copy: after B changes, <see cref="Pack"/> it again (compiled models track that with
    /// <see cref="Tensor.Version"/>, see <see cref="PackedWeight"/>). Allocates only when first packed.
    /// </summary>
    public sealed unsafe class PackedB
    {
        private readonly PackBuffer _panels = new();

        /// <summary>Prepares (without packing) the panels of op(B) for a multiply with these sizes.</summary>
        /// <param name="n">Columns of op(B) and of C.</param>
        /// <param name="k">Rows of op(B): the depth of the multiply.</param>
        /// <param name="transB">Whether B is stored [n, k] (op(B) = Bᵀ) rather than [k, n].</param>
        /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
        public PackedB(int n, int k, bool transB)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(n);
            ArgumentOutOfRangeException.ThrowIfNegative(k);
            N = n;
            K = k;
            TransB = transB;
        }

        /// <summary>Columns of op(B).</summary>
        public int N { get; }

        /// <summary>Rows of op(B).</summary>
        public int K { get; }

        /// <summary>Whether B is stored transposed.</summary>
        public bool TransB { get; }

        /// <summary>Whether <see cref="Pack"/> has run.</summary>
        public bool IsPacked => Path != GemmPath.Auto;

        /// <summary>The path whose layout the panels have; Auto before the first <see cref="Pack"/>.</summary>
        internal GemmPath Path { get; private set; }

        /// <summary>(Re)packs op(B) from <paramref name="b"/> for the path multiplies on this thread take.</summary>
        /// <param name="b">B, stored [k, n], or [n, k] when <see cref="TransB"/>, row-major.</param>
        /// <param name="ldb">The row stride of <paramref name="b"/>.</param>
        /// <exception cref="ArgumentOutOfRangeException">ldb is less than B's row length.</exception>
        /// <exception cref="ArgumentException"><paramref name="b"/> is too short.</exception>
        public void Pack(ReadOnlySpan<float> b, int ldb)
        {
            CheckMatrix(b.Length, TransB ? N : K, TransB ? K : N, ldb, nameof(b));
            GemmPath path = SelectPath();
            if (N > 0 && K > 0)
            {
                fixed (float* pb = b)
                {
                    var source = new Problem(0, N, K, null, 0, false, pb, ldb, TransB, null, 0, false, null, false);
                    switch (path)
                    {
                        case GemmPath.Vector512: PackWhole<Kernel512>(in source, _panels); break;
                        case GemmPath.Vector256: PackWhole<Kernel256>(in source, _panels); break;
                        default: PackWhole<KernelScalar>(in source, _panels); break;
                    }
                }
            }
            Path = path;
        }

        /// <summary>The panels (pinned: the address never moves); valid once packed with n and k above 0.</summary>
        internal float* Panels => _panels.Reserve(0);
    }

    /// <summary><paramref name="problem"/> reading its B from <paramref name="packedB"/>'s panels.</summary>
    private static unsafe Problem Attach(in Problem problem, PackedB packedB) => problem with
    {
        Packed = packedB.Panels,
        PackedColumn0 = 0,
        PackedStrips = CeilDiv(packedB.N, StripWidth(packedB.Path)),
    };

    /// <summary>
    /// C = op(A)·op(B) (+ C) (+ bias) then activation, as <see cref="Multiply"/> with the same arguments, with
    /// op(B) read from <paramref name="packedB"/> rather than packed per call. Bit-identical to the unpacked call:
    /// the same blocking, threading and summation order, only the copy is skipped.
    /// </summary>
    /// <remarks>
    /// <c>b</c> must be the B that <paramref name="packedB"/> was last packed from, unchanged since: a multiply of at
    /// most four rows reads it in place (as the unpacked call does: packing would not pay there), and so does a
    /// multiply on another instruction-set path than the panels were packed for (a test forcing a path).
    /// A null <paramref name="packedB"/> runs the unpacked multiply.
    /// </remarks>
    /// <param name="packedB">op(B) packed for n, k and transB, or null.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="packedB"/> was packed for other sizes or another transB, or has never been packed; or a
    /// span is too short (as the unpacked call).
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">As the unpacked call.</exception>
#pragma warning disable CS1573 // the other parameters are those of Multiply, documented there
    public static void MultiplyPacked(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, bool transA,
        ReadOnlySpan<float> b, int ldb, bool transB, PackedB? packedB,
        Span<float> c, int ldc,
        bool accumulate = false, ReadOnlySpan<float> bias = default, Activation activation = Activation.None)
    {
        Validate(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, bias);
        if (packedB != null && (packedB.N != n || packedB.K != k || packedB.TransB != transB || !packedB.IsPacked))
        {
            throw new ArgumentException(packedB.IsPacked
                ? $"The packed B holds n = {packedB.N}, k = {packedB.K}, transB = {packedB.TransB}; the multiply has n = {n}, k = {k}, transB = {transB}."
                : "The packed B has not been packed yet.", nameof(packedB));
        }
        MultiplyValidated(m, n, k, a, lda, transA, b, ldb, transB, packedB, c, ldc, accumulate, bias, activation);
    }
#pragma warning restore CS1573

    /// <summary>
    /// Packs all of op(B), depth block after depth block, each block holding every NR-wide strip of the n columns
    /// at the offsets the blocked driver reads (see <see cref="PackedBlockOffset"/>). PackB writes each strip
    /// exactly as it does per call, so the microkernel sees the same numbers either way.
    /// </summary>
    private static unsafe void PackWhole<TKernel>(in Problem p, PackBuffer panels) where TKernel : struct, IMicrokernel
    {
        int kcMax = DepthBlock<TKernel>(p.K);
        int strips = CeilDiv(p.N, TKernel.NR);
        int blocks = CeilDiv(p.K, kcMax);
        float* dst = panels.Reserve(checked((int)PackedBlockOffset<TKernel>(blocks, kcMax, strips)));
        for (int pc = 0; pc < p.K; pc += kcMax)
            PackB<TKernel>(in p, pc, Math.Min(kcMax, p.K - pc), 0, p.N, dst + PackedBlockOffset<TKernel>(pc / kcMax, kcMax, strips));
    }

    /// <summary>
    /// Where depth block <paramref name="block"/> starts in a whole packed B: every block before it is a full
    /// <paramref name="kcMax"/> deep (only the last may be shallower) and holds <paramref name="strips"/> strips.
    /// </summary>
    private static nint PackedBlockOffset<TKernel>(int block, int kcMax, int strips) where TKernel : struct, IMicrokernel
        => block * BStripStride<TKernel>(kcMax) * strips;

    private static int StripWidth(GemmPath path) => path switch
    {
        GemmPath.Vector512 => Kernel512.NR,
        GemmPath.Vector256 => Kernel256.NR,
        _ => KernelScalar.NR,
    };
}
