using System.Runtime.CompilerServices;
using ModelGen.Kernels;

namespace ModelGen.Quantization;

/// <summary>
/// One Conv2d layer (groups 1) in int8, called by the generated compiled Forward in place of the float
/// convolution. Per image: the input is quantised once to 7-bit codes into a padded channels-last plane (the border
/// holds the zero point, the code of 0.0), the int8 GEMM multiplies its output pixels' taps with the packed weights,
/// and dequantises, adds the bias and applies ReLU in its epilogue. The batch is cut into chunks of images that the
/// caller and the GEMM worker share (<see cref="Gemm.MaxThreads"/> ≥ 2); integer sums are exact and each output is
/// dequantised by the same operations on either thread, so one thread and two give bit-identical results.
/// </summary>
/// <remarks>
/// Two kernels, chosen by the output channels (<see cref="RunsNarrow"/>):
/// <list type="bullet">
/// <item>Pixels as GEMM rows (16 or more output channels, a full weight panel): the taps of each output pixel are
/// gathered into an im2col row in (ky, kx, channel) order. Channels-last makes one kernel row of all channels
/// (KW·InChannels bytes) contiguous in the plane, one vector move; the [pixels, channels] result is transposed into
/// NCHW.</item>
/// <item>Channels as rows (<see cref="Int8Conv2d"/>.Narrow: fewer output channels, one input channel, stride 1,
/// dilation 1): an implicit GEMM over the plane with pixels in the vector lanes, writing NCHW directly. A 16-column
/// weight panel would be mostly padding there (LeNet-5's conv1 has 6 channels).</item>
/// </list>
/// Quantising the image first rounds each input value once, not once per kernel tap that reads it.
/// </remarks>
public sealed partial class Int8Conv2d : Int8Layer
{
    // Per-thread scratch: the caller's and the GEMM worker's, each used by the one thread running a chunk.
    private readonly Scratch _callerScratch, _workerScratch;
    // The channels-as-rows kernel's weights and quad offsets per group (NarrowOperands), else null.
    private readonly sbyte[]? _narrowWeights;
    private readonly int[]? _groupOffsets;
    // The wide kernel read in place: where each output pixel's first kernel row starts in the plane, else null.
    private readonly int[]? _rowOffsets;

    /// <exception cref="ArgumentException">The geometry has groups other than 1, or <paramref name="maxPool"/> is not a 2×2, stride-2, unpadded max pooling of this convolution's output.</exception>
    internal Int8Conv2d(string layer, in Conv2dGeometry geometry, sbyte[] weights, float[] weightScales,
        ReadOnlySpan<float> bias, Activation activation, Pool2dGeometry? maxPool = null)
        : base(layer, geometry.ColumnRows, geometry.OutChannels, weights, weightScales, bias, activation, GemmOrder(layer, weights, in geometry))
    {
        if (maxPool is { } pool && !FusesMaxPool(in geometry, in pool))
            throw new ArgumentException($"Int8Conv2d {layer}: only a 2×2, stride-2, unpadded max pooling of the convolution's {geometry.OutChannels}×{geometry.OutHeight}×{geometry.OutWidth} output fuses into it; got {pool}.", nameof(maxPool));
        Geometry = geometry;
        MaxPool = maxPool;
        IsNarrow = RunsNarrow(in geometry);
        if (IsNarrow) (_groupOffsets, _narrowWeights) = NarrowOperands(weights, in geometry);
        else if (ReadsInPlace(in geometry)) _rowOffsets = RowOffsets(in geometry);
        _callerScratch = new Scratch(in geometry, IsNarrow, maxPool != null);
        _workerScratch = new Scratch(in geometry, IsNarrow, maxPool != null);
    }

    /// <summary>Quantises float weights [OutChannels, InChannels, KH, KW] per output channel.</summary>
    internal static Int8Conv2d FromFloat(string layer, in Conv2dGeometry geometry, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Activation activation, Pool2dGeometry? maxPool = null)
    {
        (sbyte[] codes, float[] scales) = QuantizeWeights(weight, geometry.ColumnRows, geometry.OutChannels);
        return new Int8Conv2d(layer, geometry, codes, scales, bias, activation, maxPool);
    }

    /// <summary>The convolution's sizes.</summary>
    public Conv2dGeometry Geometry { get; }

    /// <summary>
    /// The max pooling fused into the epilogue, or null: TryForward then writes the pooled image. The narrow kernel
    /// takes each window's maximum over the integer sums and dequantises a quarter as many values; the wide kernel
    /// pools its dequantised [pixels, channels] tile while moving it into NCHW. Both are exact: the dequantisation
    /// (a positive scale, then a bias) and ReLU are non-decreasing, so they commute with the maximum, and the result
    /// is bit for bit the unfused convolution followed by <see cref="Pooling.MaxPool2dForward{T}"/>.
    /// </summary>
    public Pool2dGeometry? MaxPool { get; }

    /// <summary>Elements TryForward writes per image: the pooled image when <see cref="MaxPool"/> is set, else the convolution's.</summary>
    public int OutputImageLength => MaxPool is { } pool ? pool.OutputImageLength : Geometry.OutputImageLength;

    /// <summary>Whether <paramref name="pool"/> is a 2×2, stride-2, unpadded max pooling of <paramref name="g"/>'s output: the one the int8 epilogue fuses.</summary>
    public static bool FusesMaxPool(in Conv2dGeometry g, in Pool2dGeometry pool)
        => pool.Channels == g.OutChannels && pool.InHeight == g.OutHeight && pool.InWidth == g.OutWidth
           && pool.KernelHeight == 2 && pool.KernelWidth == 2 && pool.StrideHeight == 2 && pool.StrideWidth == 2
           && pool.PaddingHeight == 0 && pool.PaddingWidth == 0;

    /// <summary>Whether the channels-as-rows kernel runs (see the remarks), not the im2col GEMM.</summary>
    internal bool IsNarrow { get; }

    /// <summary>
    /// The smallest batch · OutChannels · OutH·OutW · depth multiply-adds that shares images with the GEMM worker:
    /// 2^20, some 50 µs of serial int8 work (LeNet-5's convolutions at batch 64 are 7-15 times that). Tests lower it.
    /// </summary>
    internal static long MinParallelWork = 1L << 20;

    /// <summary>The most chunks a batch is cut into: small chunks bound the wait when the worker wakes late.</summary>
    private const int MaxChunks = 8;

    /// <summary>
    /// y [batch, OutChannels, OutH, OutW] = act(conv(x, W) + b) in int8 (max-pooled when <see cref="MaxPool"/> is
    /// set), returning true; or, while calibrating, records x's range and returns false so the caller runs its float
    /// convolution (and pooling). Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the batch of images needs.</exception>
    public unsafe bool TryForward(int batch, ReadOnlySpan<float> x, Span<float> y)
    {
        Conv2dGeometry g = Geometry;
        if (batch < 0 || x.Length < batch * g.InputImageLength || y.Length < batch * OutputImageLength)
            throw new ArgumentException($"Int8Conv2d {Layer} expects {batch} images of {g.InputImageLength} in and {OutputImageLength} out.");
        x = x[..(batch * g.InputImageLength)];
        if (Observed(x)) return false;
        if (batch == 0) return true;
        bool share = batch >= 2 && Gemm.MaxThreads >= 2
            && (long)batch * g.OutChannels * g.OutHeight * g.OutWidth * g.ColumnRows >= Volatile.Read(ref MinParallelWork);
        fixed (float* px = x, py = y)
        fixed (sbyte* packed = PackedWeights, narrow = _narrowWeights)
        fixed (int* offset = Offsets, groupOffsets = _groupOffsets, rowOffsets = _rowOffsets)
        fixed (float* scale = Scales, bias = PaddedBias)
        {
            var operands = new Operands(packed, PackedWeights.Length, narrow, groupOffsets, rowOffsets, offset, scale, bias, Scales.Length,
                Activation == Activation.Relu, 1f / ActivationScale, ZeroPoint, IsNarrow, GemmInt8.ForcedPath);
            var job = new Job(this, px, py, batch, share ? Math.Min(batch, MaxChunks) : 1, in operands);
            Gemm.RunChunks(&RunChunk, &job, job.Chunks, parallel: share);
        }
        return true;
    }

    /// <summary>One TryForward call, on the caller's stack while <see cref="Gemm.RunChunks"/> runs its chunks.</summary>
    private readonly unsafe struct Job
    {
        public readonly Conv2dGeometry Geometry;
        public readonly float* X, Y;
        public readonly int Batch, Chunks, OutputImageLength;
        public readonly bool Pooled;
        public readonly ScratchPointers Caller, Worker;
        public readonly Operands Operands;

        public Job(Int8Conv2d layer, float* x, float* y, int batch, int chunks, in Operands operands)
        {
            Geometry = layer.Geometry;
            X = x;
            Y = y;
            Batch = batch;
            Chunks = chunks;
            OutputImageLength = layer.OutputImageLength;
            Pooled = layer.MaxPool != null;
            Caller = layer._callerScratch.Pointers;
            Worker = layer._workerScratch.Pointers;
            Operands = operands;
        }
    }

    /// <summary>The layer's quantisation and weights as pointers, pinned by TryForward for the call.</summary>
    private readonly unsafe struct Operands(sbyte* packed, int packedLength, sbyte* narrow, int* groupOffsets, int* rowOffsets, int* offset, float* scale,
        float* bias, int columns, bool relu, float inverseScale, int zeroPoint, bool isNarrow, Int8Path path)
    {
        public readonly sbyte* Packed = packed, Narrow = narrow;
        public readonly int PackedLength = packedLength, Columns = columns, ZeroPoint = zeroPoint;
        public readonly int* Offset = offset, GroupOffsets = groupOffsets, RowOffsets = rowOffsets;
        public readonly float* Scale = scale, Bias = bias;
        public readonly float InverseScale = inverseScale;
        public readonly bool Relu = relu, IsNarrow = isNarrow;
        // The caller's forced path (a thread-static): the worker runs the caller's path too.
        public readonly Int8Path Path = path;
    }

    private static unsafe void RunChunk(void* context, int chunk)
    {
        ref readonly Job job = ref *(Job*)context;
        ref readonly Conv2dGeometry g = ref job.Geometry;
        int first = (int)((long)job.Batch * chunk / job.Chunks), end = (int)((long)job.Batch * (chunk + 1) / job.Chunks);
        ScratchPointers scratch = Gemm.OnWorkerThread ? job.Worker : job.Caller;
        Int8Path saved = GemmInt8.ForcedPath;
        GemmInt8.ForcedPath = job.Operands.Path;
        try
        {
            for (int n = first; n < end; n++)
            {
                float* x = job.X + (nint)n * g.InputImageLength, y = job.Y + (nint)n * job.OutputImageLength;
                if (job.Operands.IsNarrow) NarrowImage(x, y, in g, in job.Operands, in scratch, job.Pooled);
                else WideImage(x, y, in g, in job.Operands, in scratch, job.Pooled);
            }
        }
        finally
        {
            GemmInt8.ForcedPath = saved;
        }
    }

    /// <summary>The weights in the wide kernel's order, null for the narrow kernel (it re-orders its own).</summary>
    /// <exception cref="ArgumentException">The geometry has groups other than 1.</exception>
    private static sbyte[]? GemmOrder(string layer, sbyte[] weights, in Conv2dGeometry geometry)
    {
        if (geometry.Groups != 1) throw new ArgumentException($"Int8Conv2d {layer}: only groups 1 runs int8; got {geometry.Groups}.", nameof(geometry));
        return RunsNarrow(in geometry) ? null : ChannelsLast(weights, in geometry);
    }

    /// <summary>
    /// The weight codes re-ordered per row from (channel, ky, kx) to (ky, kx, channel), the wide kernel's order. Read
    /// in place (<see cref="ReadsInPlace"/>), each kernel row is padded with zero weights to <see cref="KernelRowBytes"/>.
    /// </summary>
    private static sbyte[] ChannelsLast(sbyte[] weights, in Conv2dGeometry g)
    {
        int depth = g.ColumnRows, kw = g.KernelWidth, channels = g.InChannels, run = KernelRowBytes(in g);
        var reordered = new sbyte[g.OutChannels * g.KernelHeight * run];
        for (int j = 0; j < g.OutChannels; j++)
            for (int c = 0; c < channels; c++)
                for (int ky = 0; ky < g.KernelHeight; ky++)
                    for (int kx = 0; kx < kw; kx++)
                        reordered[(j * g.KernelHeight + ky) * run + kx * channels + c] = weights[j * depth + (c * g.KernelHeight + ky) * kw + kx];
        return reordered;
    }
}
