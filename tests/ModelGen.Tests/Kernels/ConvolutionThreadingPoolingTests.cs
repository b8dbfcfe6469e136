using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// Float32 pooling on two threads (Pooling.Threading.cs), the pooling layers around the threaded convolutions:
/// max and average, forward and backward, bit-identical to one thread and allocation-free once warm.
/// </summary>
[Collection(GemmThreadingCollection.Name)]
public class ConvolutionThreadingPoolingTests
{
    // LeNet's two poolings, overlapping windows with padding, and a single channel (planes = batch).
    private static readonly Pool2dGeometry[] Geometries =
    [
        new(6, 28, 28, 2, 2, 2, 2, 0, 0),
        new(16, 10, 10, 2, 2, 2, 2, 0, 0),
        new(3, 9, 7, 3, 3, 2, 1, 1, 1),
        new(1, 5, 6, 2, 3, 1, 2, 0, 1),
    ];

    [Fact]
    public void Pool2d_TwoThreads_BitIdenticalToOneThread()
    {
        using var _ = new Settings(maxThreads: 2, minParallelWork: 0);
        var random = new Random(21);
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;
        foreach (Pool2dGeometry g in Geometries)
        {
            foreach (int batch in new[] { 1, 3, 7 })
            {
                var o = new Operands(random, g, batch);
                Gemm.MaxThreads = 1;
                float[][] one = Compute(o);
                Gemm.MaxThreads = 2;
                float[][] two = Compute(o);
                for (int r = 0; r < one.Length; r++)
                {
                    for (int i = 0; i < one[r].Length; i++)
                    {
                        if (BitConverter.SingleToInt32Bits(one[r][i]) != BitConverter.SingleToInt32Bits(two[r][i]))
                            Assert.Fail($"{g} batch {batch} result {r} [{i}]: {one[r][i]} (one thread) vs {two[r][i]} (two)");
                    }
                }
            }
        }
        Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran a pooling chunk");
    }

    [Fact]
    public void Pool2d_TwoThreadsSecondCall_AllocatesNothing()
    {
        using var _ = new Settings(maxThreads: 2, minParallelWork: 0);
        var o = new Operands(new Random(22), Geometries[0], batch: 8);
        Pool2dGeometry g = o.Geometry;
        float[] output = new float[o.Batch * g.OutputImageLength], dInput = new float[o.Input.Length];
        void Pass()
        {
            Pooling.MaxPool2dForward<float>(o.Input, output, o.Batch, in g);
            Pooling.MaxPool2dBackward<float>(o.DOutput, o.Input, output, dInput, o.Batch, in g);
            Pooling.AvgPool2dForward<float>(o.Input, output, o.Batch, in g);
            Pooling.AvgPool2dBackward<float>(o.DOutput, dInput, o.Batch, in g);
        }
        Pass();
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 20; i++) Pass();
        }));
        Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran");
    }

    private sealed class Operands
    {
        public Operands(Random random, Pool2dGeometry g, int batch)
        {
            Geometry = g;
            Batch = batch;
            // Few distinct values, so windows hold ties and the first-match rule of the max gradient matters.
            Input = Enumerable.Range(0, batch * g.InputImageLength).Select(_ => (float)random.Next(-3, 4)).ToArray();
            DOutput = Enumerable.Range(0, batch * g.OutputImageLength).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        }

        public Pool2dGeometry Geometry { get; }
        public int Batch { get; }
        public float[] Input { get; }
        public float[] DOutput { get; }
    }

    /// <summary>Max forward, max backward, average forward and average backward, each into fresh (NaN-filled) arrays.</summary>
    private static float[][] Compute(Operands o)
    {
        Pool2dGeometry g = o.Geometry;
        float[] maxOut = Filled(o.Batch * g.OutputImageLength), maxGrad = Filled(o.Input.Length);
        float[] avgOut = Filled(o.Batch * g.OutputImageLength), avgGrad = Filled(o.Input.Length);
        Pooling.MaxPool2dForward<float>(o.Input, maxOut, o.Batch, in g);
        Pooling.MaxPool2dBackward<float>(o.DOutput, o.Input, maxOut, maxGrad, o.Batch, in g);
        Pooling.AvgPool2dForward<float>(o.Input, avgOut, o.Batch, in g);
        Pooling.AvgPool2dBackward<float>(o.DOutput, avgGrad, o.Batch, in g);
        return [maxOut, maxGrad, avgOut, avgGrad];
    }

    // NaN shows any element a kernel failed to write.
    private static float[] Filled(int length) => Enumerable.Repeat(float.NaN, length).ToArray();

    /// <summary>Sets MaxThreads and the pooling work threshold for one test, then restores them.</summary>
    private readonly struct Settings : IDisposable
    {
        private readonly int _maxThreads;
        private readonly long _minParallelWork;

        public Settings(int maxThreads, long minParallelWork)
        {
            _maxThreads = Gemm.MaxThreads;
            _minParallelWork = Pooling.MinParallelWork;
            Gemm.MaxThreads = maxThreads;
            Pooling.MinParallelWork = minParallelWork;
        }

        public void Dispose()
        {
            Gemm.MaxThreads = _maxThreads;
            Pooling.MinParallelWork = _minParallelWork;
        }
    }
}
