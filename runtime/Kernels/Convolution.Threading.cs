using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelGen.Kernels;

// Float32 convolution on two threads: the batch is cut into chunks of consecutive images, which the caller and
// Gemm's persistent worker claim from one counter (Gemm.RunChunks). Images are independent in the forward and input
// gradient, so each chunk writes its own output. The weight gradient sums over images: each chunk of it sums its
// images into its own buffer and the caller adds the buffers in order afterwards, and the serial path sums in the
// same parts, so one thread and two give bit-identical results. Each thread needs its own im2col scratch: the
// caller uses the workspace it was given, the worker a grow-only buffer of its own.
public static partial class Convolution
{
    /// <summary>
    /// The most chunks a shared forward or input gradient is cut into. Many small chunks bound what the caller waits
    /// for when the worker is descheduled mid-chunk on a busy machine; each costs one more weight packing.
    /// </summary>
    private const int ImageChunks = 8;

    /// <summary>
    /// The parts of every float32 weight gradient, on one thread or two: four keep both threads busy when the worker
    /// wakes late (the caller takes more parts), at one extra weight-sized sum per part.
    /// </summary>
    private const int Parts = 4;

    /// <summary>
    /// The smallest batch · OutChannels · OutH·OutW · depth multiply-adds worth the worker: 2^20, some 50-100 µs of
    /// serial work, well above the few µs of waking it (every LeNet-5 layer at batch 64 is 7-15·2^20).
    /// Tests lower it to push small shapes through the split.
    /// </summary>
    internal static long MinParallelWork = DefaultMinParallelWork;

    internal const long DefaultMinParallelWork = 1L << 20;

    /// <summary>Whether a float32 call over this batch should offer chunks to the worker.</summary>
    private static bool ShareImages(in Conv2dGeometry g, int batch) =>
        batch >= 2 && Gemm.MaxThreads >= 2
        && (long)batch * g.OutChannels * g.OutHeight * g.OutWidth * g.ColumnRows >= Volatile.Read(ref MinParallelWork);

    /// <summary>Everything one chunk needs, on the caller's stack; the spans behind the pointers are pinned by the caller.</summary>
    private unsafe struct SharedJob
    {
        public float* Source;      // input (forward), dOutput (backward)
        public float* Operand;     // weight (forward, backward input), input (backward weight)
        public float* Bias;
        public int BiasLength;
        public float* Result;      // output, dInput or dWeight
        public float* Partials;    // backward weight: the sums of parts 1.. (part 0 sums into dWeight)
        public float* Workspace;   // the caller's im2col scratch
        public int Batch;
        public int Chunks;
        public Activation Activation;
        public Conv2dGeometry Geometry;
    }

    private static unsafe void ForwardShared(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> output, int batch, in Conv2dGeometry g, Span<float> workspace, Activation activation)
    {
        fixed (float* pInput = input, pWeight = weight, pBias = bias, pOutput = output, pWorkspace = workspace)
        {
            var job = new SharedJob
            {
                Source = pInput, Operand = pWeight, Bias = pBias, BiasLength = bias.Length, Result = pOutput,
                Workspace = pWorkspace, Batch = batch, Chunks = Math.Min(batch, ImageChunks), Activation = activation, Geometry = g,
            };
            Gemm.RunChunks(&ForwardChunk, &job, job.Chunks, parallel: true);
        }
    }

    private static unsafe void ForwardChunk(void* context, int chunk)
    {
        ref SharedJob job = ref Unsafe.AsRef<SharedJob>(context);
        ref readonly Conv2dGeometry g = ref job.Geometry;
        var (first, count) = ChunkImages(job.Batch, job.Chunks, chunk);
        ForwardImages(
            new ReadOnlySpan<float>(job.Source + (nint)first * g.InputImageLength, count * g.InputImageLength),
            new ReadOnlySpan<float>(job.Operand, g.WeightLength), new ReadOnlySpan<float>(job.Bias, job.BiasLength),
            new Span<float>(job.Result + (nint)first * g.OutputImageLength, count * g.OutputImageLength),
            count, in g, Columns(in job), job.Activation);
    }

    private static unsafe void BackwardInputShared(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> weight, Span<float> dInput,
        int batch, in Conv2dGeometry g, Span<float> workspace)
    {
        fixed (float* pGradient = dOutput, pWeight = weight, pInput = dInput, pWorkspace = workspace)
        {
            var job = new SharedJob
            {
                Source = pGradient, Operand = pWeight, Result = pInput, Workspace = pWorkspace,
                Batch = batch, Chunks = Math.Min(batch, ImageChunks), Geometry = g,
            };
            Gemm.RunChunks(&BackwardInputChunk, &job, job.Chunks, parallel: true);
        }
    }

    private static unsafe void BackwardInputChunk(void* context, int chunk)
    {
        ref SharedJob job = ref Unsafe.AsRef<SharedJob>(context);
        ref readonly Conv2dGeometry g = ref job.Geometry;
        var (first, count) = ChunkImages(job.Batch, job.Chunks, chunk);
        BackwardInputImages(
            new ReadOnlySpan<float>(job.Source + (nint)first * g.OutputImageLength, count * g.OutputImageLength),
            new ReadOnlySpan<float>(job.Operand, g.WeightLength),
            new Span<float>(job.Result + (nint)first * g.InputImageLength, count * g.InputImageLength),
            count, in g, Columns(in job));
    }

    /// <summary>
    /// The float32 weight gradient in min(batch, <see cref="Parts"/>) parts, on one thread or two: part 0 sums into
    /// dWeight, part p ≥ 1 into its own buffer, and the buffers are then added onto dWeight in order.
    /// </summary>
    private static unsafe void BackwardWeightInParts(ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input,
        Span<float> dWeight, int batch, in Conv2dGeometry g, Span<float> workspace)
    {
        int parts = Math.Min(batch, Parts), length = g.WeightLength;
        float* partials = parts > 1 ? CallerScratch.Partials((parts - 1) * length) : null;
        fixed (float* pGradient = dOutput, pInput = input, pWeight = dWeight, pWorkspace = workspace)
        {
            var job = new SharedJob
            {
                Source = pGradient, Operand = pInput, Result = pWeight, Partials = partials, Workspace = pWorkspace,
                Batch = batch, Chunks = parts, Geometry = g,
            };
            Gemm.RunChunks(&BackwardWeightChunk, &job, parts, ShareImages(in g, batch));
        }
        for (int part = 1; part < parts; part++)
        {
            Span<float> sum = dWeight[..length];
            TensorPrimitives.Add(sum, new ReadOnlySpan<float>(partials + (nint)(part - 1) * length, length), sum);
        }
    }

    private static unsafe void BackwardWeightChunk(void* context, int chunk)
    {
        ref SharedJob job = ref Unsafe.AsRef<SharedJob>(context);
        ref readonly Conv2dGeometry g = ref job.Geometry;
        var (first, count) = ChunkImages(job.Batch, job.Chunks, chunk);
        float* sum = chunk == 0 ? job.Result : job.Partials + (nint)(chunk - 1) * g.WeightLength;
        BackwardWeightImages(
            new ReadOnlySpan<float>(job.Source + (nint)first * g.OutputImageLength, count * g.OutputImageLength),
            new ReadOnlySpan<float>(job.Operand + (nint)first * g.InputImageLength, count * g.InputImageLength),
            new Span<float>(sum, g.WeightLength), count, in g, Columns(in job));
    }

    /// <summary>Images [first, first + count) of chunk <paramref name="chunk"/>: consecutive, sizes differing by at most one.</summary>
    private static (int First, int Count) ChunkImages(int batch, int chunks, int chunk)
    {
        int first = (int)((long)chunk * batch / chunks), end = (int)((long)(chunk + 1) * batch / chunks);
        return (first, end - first);
    }

    /// <summary>This thread's im2col scratch for a chunk: the caller's workspace, or the worker's own.</summary>
    private static unsafe Span<float> Columns(in SharedJob job)
    {
        int size = job.Geometry.WorkspaceSize;
        return new Span<float>(Gemm.OnWorkerThread ? WorkerScratch.Columns(size) : job.Workspace, size);
    }

    /// <summary>The worker thread's im2col scratch, grow-only and pinned.</summary>
    private static class WorkerScratch
    {
        [ThreadStatic] private static float[]? t_columns;

        public static unsafe float* Columns(int length) => Reserve(ref t_columns, length);
    }

    /// <summary>The calling thread's buffer for the weight gradient's partial sums, grow-only and pinned.</summary>
    private static class CallerScratch
    {
        [ThreadStatic] private static float[]? t_partials;

        public static unsafe float* Partials(int length) => Reserve(ref t_partials, length);
    }

    /// <summary>A pointer to at least <paramref name="length"/> floats of a pinned array, replacing it when too short.</summary>
    private static unsafe float* Reserve(ref float[]? buffer, int length)
    {
        if (buffer == null || buffer.Length < length)
            buffer = GC.AllocateUninitializedArray<float>(Math.Max(length, 1), pinned: true);
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
    }
}
