using System.ComponentModel;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

/// <summary>The instruction-set path <see cref="GemmInt8.Multiply"/> runs on.</summary>
internal enum Int8Path
{
    /// <summary>The widest path this machine supports.</summary>
    Auto,
    /// <summary>vpmaddubsw + vpmaddwd on zmm registers (AVX-512 BW): 8×16 tiles.</summary>
    Avx512,
    /// <summary>vpmaddubsw + vpmaddwd on ymm registers (AVX2): 4×16 tiles.</summary>
    Avx2,
    /// <summary>Plain integer loops: any machine, and the oracle the vector paths are tested against.</summary>
    Scalar,
}

/// <summary>
/// Int8 matrix multiply with the dequantisation fused into the epilogue:
/// C[i, j] = act(float(Σₖ A[i, k]·B[j, k] − offset[j]) · scale[j] + bias[j]), written as float32.
/// A holds unsigned 7-bit activations (0..127) row-major with <see cref="PaddedDepth"/> bytes per row; B holds
/// signed weights (−127..127) prepacked by <see cref="PackWeights"/>. The integer sums are exact, so every path
/// gives bit-identical results.
/// </summary>
/// <remarks>
/// Why 7-bit activations: vpmaddubsw multiplies u8·s8 pairs and adds each pair into a saturating int16. With
/// 8-bit activations a pair can reach 2·255·127 = 64,770 and saturate; with 7 bits it stays below
/// 2·127·127 = 32,258, so the fast path is exact. The cost is one bit of activation resolution (the step is
/// range/127 instead of range/255), the same trade PyTorch's fbgemm backend makes with <c>reduce_range</c>.
/// Weights keep their full symmetric 8-bit range.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class GemmInt8
{
    /// <summary>Columns per packed weight panel: one zmm (or two ymm) of int32 accumulators.</summary>
    public const int PanelWidth = 16;

    /// <summary>Depth consumed per multiply-add step: four bytes per int32 lane.</summary>
    public const int DepthGroup = 4;

    /// <summary>The largest activation code: activations are 7-bit so vpmaddubsw cannot saturate.</summary>
    public const int MaxActivation = 127;

    /// <summary>The largest depth whose worst-case sum (k·127·127) fits an int32 accumulator.</summary>
    public const int MaxDepth = int.MaxValue / (127 * 127);

    /// <summary>Forces a path on the current thread so tests can compare every path on one machine.</summary>
    [ThreadStatic] internal static Int8Path ForcedPath;

    /// <summary>The path <see cref="Int8Path.Auto"/> resolves to here, decided once.</summary>
    internal static readonly Int8Path BestPath =
        Avx512BW.IsSupported ? Int8Path.Avx512 : Avx2.IsSupported ? Int8Path.Avx2 : Int8Path.Scalar;

    /// <summary>Whether this machine has the instructions <paramref name="path"/> needs.</summary>
    internal static bool IsSupported(Int8Path path) => path switch
    {
        Int8Path.Avx512 => Avx512BW.IsSupported,
        Int8Path.Avx2 => Avx2.IsSupported,
        _ => true,
    };

    /// <summary>The row length of quantised activations and packed weights: k rounded up to <see cref="DepthGroup"/>.</summary>
    public static int PaddedDepth(int k) => (k + DepthGroup - 1) / DepthGroup * DepthGroup;

    /// <summary>n rounded up to <see cref="PanelWidth"/>: the length of the per-column epilogue arrays.</summary>
    public static int PaddedColumns(int n) => (n + PanelWidth - 1) / PanelWidth * PanelWidth;

    /// <summary>The bytes <see cref="PackWeights"/> writes for an [n, k] weight.</summary>
    public static int PackedLength(int n, int k) => PaddedColumns(n) * PaddedDepth(k);

    /// <summary>
    /// Packs row-major int8 weights [n, k] into panels of <see cref="PanelWidth"/> columns: within a panel,
    /// depth group g holds 16 columns × 4 consecutive depths (64 bytes, one zmm), so the microkernel reads B
    /// strictly sequentially. Padding (columns past n, depths past k) is zero, which adds nothing to a sum.
    /// </summary>
    public static void PackWeights(ReadOnlySpan<sbyte> weights, int n, int k, Span<sbyte> packed)
    {
        if (weights.Length < n * k) throw new ArgumentException("The weights are shorter than n·k.", nameof(weights));
        if (packed.Length < PackedLength(n, k)) throw new ArgumentException("The packed buffer is too short.", nameof(packed));
        int kp = PaddedDepth(k);
        packed[..PackedLength(n, k)].Clear();
        for (int j = 0; j < n; j++)
        {
            int panel = j / PanelWidth, lane = j % PanelWidth;
            for (int p = 0; p < k; p++)
                packed[panel * kp * PanelWidth + p / DepthGroup * PanelWidth * DepthGroup + lane * DepthGroup + p % DepthGroup] = weights[j * k + p];
        }
    }

    /// <summary>
    /// C = act(float(A·Bᵀ − offset) · scale + bias) for 7-bit activations A [m, PaddedDepth(k)] and packed
    /// weights B (see <see cref="PackWeights"/>). <paramref name="offset"/>, <paramref name="scale"/> and
    /// <paramref name="bias"/> are per column and at least <see cref="PaddedColumns"/>(n) long. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, k exceeds <see cref="MaxDepth"/> or ldc &lt; n.</exception>
    /// <exception cref="ArgumentException">A span is too short for the sizes given.</exception>
    public static unsafe void Multiply(int m, int n, int k, ReadOnlySpan<byte> a, ReadOnlySpan<sbyte> packedB,
        ReadOnlySpan<int> offset, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, bool relu, Span<float> c, int ldc)
    {
        Validate(m, n, k, a, packedB, offset, scale, bias, c, ldc);
        if (m == 0 || n == 0) return;
        fixed (byte* pa = a)
        fixed (sbyte* pb = packedB)
        fixed (int* po = offset)
        fixed (float* ps = scale, pbias = bias, pc = c)
        {
            var problem = new Int8Problem(m, n, PaddedDepth(k), pa, pb, po, ps, pbias, relu, pc, ldc);
            Int8Path path = ForcedPath == Int8Path.Auto ? BestPath : ForcedPath;
            if ((long)m * n * problem.Kp < MinParallelWork || m < 2 * ParallelRowQuantum)
            {
                Run(path, in problem);
                return;
            }
            // Rows of C are independent and integer sums are exact: any split gives the serial result bit for bit.
            var job = new RowsJob(problem, path, Math.Max(ParallelRowQuantum, (m + 3) / 4 / ParallelRowQuantum * ParallelRowQuantum));
            Gemm.RunChunks(&RunRows, &job, (m + job.RowsPerChunk - 1) / job.RowsPerChunk, parallel: true);
        }
    }

    /// <summary>
    /// C = act(float(A·Bᵀ − offset) · scale + bias) like <see cref="Multiply"/>, with each row of A read in place:
    /// row i is <paramref name="segments"/> runs of <paramref name="segmentBytes"/> bytes (a multiple of
    /// <see cref="DepthGroup"/>), the first at a + rowOffsets[i], each next one <paramref name="segmentStride"/>
    /// bytes further; B is packed with depth segments · segmentBytes. An implicit GEMM: a convolution's output
    /// pixel reads its kernel rows straight from a channels-last plane, with no im2col copy. On one thread; the
    /// caller checks the sizes. AVX-512 machines run the AVX2 tiles here.
    /// </summary>
    internal static unsafe void MultiplyRows(int m, int n, int segments, int segmentBytes, nint segmentStride, byte* a,
        int* rowOffsets, sbyte* packedB, int* offset, float* scale, float* bias, bool relu, float* c, int ldc)
    {
        if (m == 0 || n == 0) return;
        var problem = new Int8Problem(m, n, segments * segmentBytes, a, packedB, offset, scale, bias, relu, c, ldc, rowOffsets, segments, segmentStride);
        Int8Path path = ForcedPath == Int8Path.Auto ? BestPath : ForcedPath;
        Run(path == Int8Path.Avx512 ? Int8Path.Avx2 : path, in problem);
    }

    /// <summary>
    /// The smallest m·n·k (int8 multiply-adds) that shares rows of C with the GEMM worker (when Gemm.MaxThreads ≥ 2):
    /// 2^20, about 50 µs of serial int8 work here; the MLP's two hidden layers at batch 64 are above it.
    /// </summary>
    internal static long MinParallelWork = 1L << 20;

    /// <summary>Rows per chunk come in multiples of this, so each chunk fills the vector paths' row blocks.</summary>
    private const int ParallelRowQuantum = 4;

    private static void Run(Int8Path path, in Int8Problem problem)
    {
        switch (path)
        {
            case Int8Path.Avx512: RunAvx512(in problem); break;
            case Int8Path.Avx2: RunAvx2(in problem); break;
            default: RunScalar(in problem); break;
        }
    }

    /// <summary>A multiply cut into chunks of rows, on the caller's stack while <see cref="Gemm.RunChunks"/> runs it.</summary>
    private readonly struct RowsJob(Int8Problem problem, Int8Path path, int rowsPerChunk)
    {
        public readonly Int8Problem Problem = problem;
        public readonly Int8Path Path = path;
        public readonly int RowsPerChunk = rowsPerChunk;
    }

    private static unsafe void RunRows(void* context, int chunk)
    {
        ref readonly RowsJob job = ref *(RowsJob*)context;
        int start = chunk * job.RowsPerChunk;
        Int8Problem rows = job.Problem.Rows(start, Math.Min(job.RowsPerChunk, job.Problem.M - start));
        Run(job.Path, in rows);
    }

    private static void Validate(int m, int n, int k, ReadOnlySpan<byte> a, ReadOnlySpan<sbyte> packedB,
        ReadOnlySpan<int> offset, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, Span<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxDepth);
        ArgumentOutOfRangeException.ThrowIfLessThan(ldc, n);
        if (m == 0 || n == 0) return;
        if (a.Length < m * PaddedDepth(k)) throw new ArgumentException("A is shorter than m·PaddedDepth(k).", nameof(a));
        if (packedB.Length < PackedLength(n, k)) throw new ArgumentException("The packed weights are shorter than PackedLength(n, k).", nameof(packedB));
        int columns = PaddedColumns(n);
        if (offset.Length < columns || scale.Length < columns || bias.Length < columns)
            throw new ArgumentException("offset, scale and bias must each be PaddedColumns(n) long.");
        if (c.Length < (m - 1) * ldc + n) throw new ArgumentException("C is too short for m rows of ldc.", nameof(c));
    }

    /// <summary>
    /// One multiply's operands as raw pointers, proven in range by <see cref="Validate"/> (or by MultiplyRows's
    /// caller). Row i of A starts at A + i·Kp, or at A + RowOffsets[i] and then in Segments runs of Kp / Segments
    /// bytes SegmentStride apart.
    /// </summary>
    private readonly unsafe struct Int8Problem(int m, int n, int kp, byte* a, sbyte* b, int* offset, float* scale,
        float* bias, bool relu, float* c, int ldc, int* rowOffsets = null, int segments = 1, nint segmentStride = 0)
    {
        public readonly int M = m, N = n, Kp = kp, Ldc = ldc, Segments = segments;
        public readonly byte* A = a;
        public readonly sbyte* B = b;
        public readonly int* Offset = offset, RowOffsets = rowOffsets;
        public readonly float* Scale = scale, Bias = bias, C = c;
        public readonly nint SegmentStride = segmentStride;
        public readonly bool Relu = relu;

        /// <summary>Bytes per run of a row: Kp, or Kp / Segments for rows read in place.</summary>
        public int SegmentBytes => Kp / Segments;

        /// <summary>The first byte of row <paramref name="i"/> of A.</summary>
        public byte* Row(int i) => RowOffsets == null ? A + (nint)i * Kp : A + RowOffsets[i];

        /// <summary>The sub-problem of rows [start, start + count) of C.</summary>
        public Int8Problem Rows(int start, int count)
            => RowOffsets == null
                ? new(count, N, Kp, A + (nint)start * Kp, B, Offset, Scale, Bias, Relu, C + (nint)start * Ldc, Ldc)
                : new(count, N, Kp, A, B, Offset, Scale, Bias, Relu, C + (nint)start * Ldc, Ldc, RowOffsets + start, Segments, SegmentStride);

        /// <summary>The first byte of panel <paramref name="panel"/>.</summary>
        public sbyte* Panel(int panel) => B + (nint)panel * Kp * PanelWidth;

        /// <summary>Columns of panel <paramref name="panel"/> that exist in C (16 except in the last panel).</summary>
        public int Width(int panel) => Math.Min(PanelWidth, N - panel * PanelWidth);
    }

    /// <summary>The dequantising epilogue for one value, written exactly as the vector paths compute it (no FMA).</summary>
    private static unsafe float Dequantize(int sum, in Int8Problem p, int column)
    {
        float value = (float)(sum - p.Offset[column]) * p.Scale[column] + p.Bias[column];
        return p.Relu ? (value > 0f ? value : 0f) : value;
    }

    private static unsafe void RunScalar(in Int8Problem p)
    {
        for (int panel = 0; panel * PanelWidth < p.N; panel++)
        {
            sbyte* b = p.Panel(panel);
            int width = p.Width(panel);
            int segmentBytes = p.SegmentBytes;
            for (int i = 0; i < p.M; i++)
            {
                byte* row = p.Row(i);
                for (int lane = 0; lane < width; lane++)
                {
                    int sum = 0;
                    for (int g = 0; g < p.Kp; g += DepthGroup)
                    {
                        sbyte* w = b + g * PanelWidth + lane * DepthGroup;
                        byte* q = row + g / segmentBytes * p.SegmentStride + g % segmentBytes;
                        sum += q[0] * w[0] + q[1] * w[1] + q[2] * w[2] + q[3] * w[3];
                    }
                    int column = panel * PanelWidth + lane;
                    p.C[(nint)i * p.Ldc + column] = Dequantize(sum, in p, column);
                }
            }
        }
    }
}
