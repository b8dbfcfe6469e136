using System.Runtime.CompilerServices;
using ModelGen.Kernels;

namespace ModelGen.Optim;

// A large float32 parameter's Adam update on two threads: the elements are independent, so they are cut into
// chunks (whole vectors) that the caller and the GEMM worker claim from one counter (Gemm.RunChunks). Each element
// runs the same operations either way: the result is bit-identical to one thread.
internal static class AdamThreading
{
    /// <summary>
    /// The fewest elements worth the worker: 2^15 (some 20-40 µs of the update, which reads and writes four arrays).
    /// The MNIST MLP's 784·256 and 256·128 weights qualify; biases and small layers stay on the caller.
    /// Tests lower it to push small parameters through the split.
    /// </summary>
    internal static int MinParallelElements = DefaultMinParallelElements;

    internal const int DefaultMinParallelElements = 1 << 15;

    /// <summary>Chunks per update: a few, so a worker that wakes late leaves the caller little to wait for.</summary>
    private const int Chunks = 8;

    public static bool Shares(int length) => Gemm.MaxThreads >= 2 && length >= Volatile.Read(ref MinParallelElements);

    private unsafe struct Job
    {
        public float* Theta, Grad, M, V, MaxV; // MaxV null without amsgrad
        public int Length, ChunkLength;
        public AdamConstants<float> Constants;
    }

    public static unsafe void Update(Span<float> theta, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, Span<float> maxV, in AdamConstants<float> constants)
    {
        // Chunks of whole Vector<float>s, so no chunk but the last has a scalar tail (not that it would matter).
        int vector = System.Numerics.Vector<float>.Count;
        int chunkLength = (theta.Length + Chunks - 1) / Chunks;
        chunkLength = (chunkLength + vector - 1) / vector * vector;
        fixed (float* pTheta = theta, pGrad = grad, pM = m, pV = v, pMaxV = maxV)
        {
            var job = new Job
            {
                Theta = pTheta, Grad = pGrad, M = pM, V = pV, MaxV = pMaxV,
                Length = theta.Length, ChunkLength = chunkLength, Constants = constants,
            };
            int count = (theta.Length + chunkLength - 1) / chunkLength;
            Gemm.RunChunks(&RunChunk, &job, count, parallel: true);
        }
    }

    private static unsafe void RunChunk(void* context, int index)
    {
        ref Job job = ref Unsafe.AsRef<Job>(context);
        int start = index * job.ChunkLength, length = Math.Min(job.ChunkLength, job.Length - start);
        AdamAlgorithm.UpdateRange(
            new Span<float>(job.Theta + start, length), new ReadOnlySpan<float>(job.Grad + start, length),
            new Span<float>(job.M + start, length), new Span<float>(job.V + start, length),
            job.MaxV == null ? default : new Span<float>(job.MaxV + start, length), in job.Constants);
    }
}
