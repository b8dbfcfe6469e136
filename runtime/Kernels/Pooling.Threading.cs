using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelGen.Kernels;

// Float32 pooling on two threads: every (image, channel) plane is independent, forward and backward (a window's
// gradient lands in its own plane), so the planes are cut into chunks that the caller and Gemm's persistent worker
// claim from one counter (Gemm.RunChunks). Each plane runs the same code either way: results are bit-identical.
public static partial class Pooling
{
    /// <summary>
    /// The most chunks of planes per call: many small ones bound what the caller waits for when the worker wakes late
    /// or is descheduled mid-chunk on a busy machine.
    /// </summary>
    private const int Chunks = 8;

    /// <summary>
    /// The smallest batch · Channels · OutH·OutW · KH·KW window reads worth the worker: 2^17, some 100 µs of these
    /// scalar loops (LeNet-5's first pooling at batch 64 reads 2.3·2^17, its second 0.8·2^17).
    /// Tests lower it to push small shapes through the split.
    /// </summary>
    internal static long MinParallelWork = DefaultMinParallelWork;

    internal const long DefaultMinParallelWork = 1L << 17;

    private static bool SharePlanes(in Pool2dGeometry g, int batch) =>
        Gemm.MaxThreads >= 2 && (long)batch * g.Channels >= 2
        && (long)batch * g.OutputImageLength * g.KernelHeight * g.KernelWidth >= Volatile.Read(ref MinParallelWork);

    private enum Job { MaxForward, MaxBackward, AvgForward, AvgBackward }

    /// <summary>One call's operands, on the caller's stack; the spans behind the pointers are pinned by the caller.</summary>
    private unsafe struct SharedJob
    {
        public Job Kind;
        public float* Source;   // input (forward), dOutput (backward)
        public float* Input;    // max backward: the forward's input
        public float* Output;   // max backward: the forward's output
        public float* Result;   // output (forward), dInput (backward)
        public int Planes;
        public Pool2dGeometry Geometry;
    }

    private static unsafe void RunShared(Job kind, ReadOnlySpan<float> source, ReadOnlySpan<float> input,
        ReadOnlySpan<float> output, Span<float> result, int batch, in Pool2dGeometry g)
    {
        fixed (float* pSource = source, pInput = input, pOutput = output, pResult = result)
        {
            var job = new SharedJob
            {
                Kind = kind, Source = pSource, Input = pInput, Output = pOutput, Result = pResult,
                Planes = batch * g.Channels, Geometry = g,
            };
            Gemm.RunChunks(&RunChunk, &job, Math.Min(job.Planes, Chunks), parallel: true);
        }
    }

    private static unsafe void RunChunk(void* context, int chunk)
    {
        ref SharedJob job = ref Unsafe.AsRef<SharedJob>(context);
        ref readonly Pool2dGeometry g = ref job.Geometry;
        int chunks = Math.Min(job.Planes, Chunks);
        int first = (int)((long)chunk * job.Planes / chunks), count = (int)((long)(chunk + 1) * job.Planes / chunks) - first;
        int planeIn = g.InHeight * g.InWidth, planeOut = g.OutHeight * g.OutWidth;
        var planesIn = new Span<float>(job.Result + (nint)first * planeIn, count * planeIn);
        var planesOut = new Span<float>(job.Result + (nint)first * planeOut, count * planeOut);
        var gradient = new ReadOnlySpan<float>(job.Source + (nint)first * planeOut, count * planeOut);
        switch (job.Kind)
        {
            case Job.MaxForward:
                MaxForwardPlanes<float>(new ReadOnlySpan<float>(job.Source + (nint)first * planeIn, count * planeIn), planesOut, count, in g);
                break;
            case Job.AvgForward:
                AvgForwardPlanes<float>(new ReadOnlySpan<float>(job.Source + (nint)first * planeIn, count * planeIn), planesOut, count, in g);
                break;
            case Job.MaxBackward:
                MaxBackwardPlanes<float>(gradient, new ReadOnlySpan<float>(job.Input + (nint)first * planeIn, count * planeIn),
                    new ReadOnlySpan<float>(job.Output + (nint)first * planeOut, count * planeOut), planesIn, count, in g);
                break;
            default:
                AvgBackwardPlanes<float>(gradient, planesIn, count, in g);
                break;
        }
    }

    // Reinterprets a span once typeof(T) == typeof(float) has been checked.
    private static ReadOnlySpan<float> AsFloat<T>(ReadOnlySpan<T> span) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static Span<float> AsFloat<T>(Span<T> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(span)), span.Length);
}
