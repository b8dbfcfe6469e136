using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// Float32 convolution on two threads (Convolution.Threading.cs): forward, input gradient and weight gradient are
/// bit-identical to one thread, the worker really runs chunks, nothing is allocated once warm, and concurrent callers
/// each get their own result. They change process-wide settings, so they run in the GEMM threading collection.
/// </summary>
[Collection(GemmThreadingCollection.Name)]
public class ConvolutionThreadingTests
{
    // Direct kernels (LeNet's layers, stride 2, groups, dilation), the GEMM path (40 channels per group: the GEMM
    // then runs inside a chunk, on the worker too), pointwise (no im2col) and tiny outputs (under one column tile).
    private static readonly Conv2dGeometry[] Geometries =
    [
        new(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1),
        new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1),
        new(4, 10, 9, 8, 3, 2, 2, 1, 1, 0, 1, 1, 2),
        new(2, 11, 11, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1),
        new(6, 7, 7, 40, 3, 3, 1, 1, 0, 0, 1, 1, 1),
        new(4, 9, 9, 80, 3, 3, 2, 2, 1, 1, 1, 1, 2),
        new(8, 6, 6, 12, 1, 1, 1, 1, 0, 0, 1, 1, 4),
        new(3, 4, 4, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1),
    ];

    private static readonly int[] Batches = [1, 2, 3, 7, 9];

    [Fact]
    public void Conv2d_TwoThreads_BitIdenticalToOneThread()
    {
        // A zero threshold also lets the GEMMs inside chunks ask for the (taken) worker: they must run serially.
        using var _ = new Settings(maxThreads: 2, convolutionWork: 0, gemmWork: 0);
        var random = new Random(7);
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;
        foreach (Conv2dGeometry g in Geometries)
        {
            foreach (int batch in Batches)
            {
                var operands = new Operands(random, g, batch);
                Results one = Run(operands, maxThreads: 1);
                Results two = Run(operands, maxThreads: 2);
                Results again = Run(operands, maxThreads: 2);
                string where = $"{g} batch {batch}";
                AssertBitIdentical(one, two, where);
                AssertBitIdentical(two, again, where + " (second two-thread run)");
            }
        }
        Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran a convolution chunk");
    }

    [Fact]
    public void Conv2dBackwardWeight_InParts_MatchesFloat64()
    {
        // The parts change the order of the batch sum, not its value: compare with the float64 kernels.
        using var _ = new Settings(maxThreads: 2, convolutionWork: 0, gemmWork: Gemm.DefaultMinParallelWork);
        var random = new Random(8);
        foreach (Conv2dGeometry g in Geometries)
        {
            var o = new Operands(random, g, batch: 9);
            Results two = Run(o, maxThreads: 2);
            var dWeight = new double[g.WeightLength];
            Convolution.Conv2dBackwardWeight<double>(ToDouble(o.DOutput), ToDouble(o.Input), dWeight, o.Batch, in g,
                new double[g.WorkspaceSize]);
            double scale = Math.Max(1, dWeight.Max(Math.Abs));
            for (int i = 0; i < dWeight.Length; i++)
                Assert.True(Math.Abs(two.DWeight[i] - dWeight[i]) <= 1e-5 * scale, $"{g}: dW[{i}] {two.DWeight[i]} vs {dWeight[i]}");
        }
    }

    [Fact]
    public void Conv2d_MaxThreadsOne_NeverUsesWorker()
    {
        using var _ = new Settings(maxThreads: 1, convolutionWork: 0, gemmWork: 0);
        var o = new Operands(new Random(9), Geometries[0], batch: 8);
        long jobsBefore = Gemm.WorkerJobs;
        Run(o, maxThreads: 1);
        Assert.Equal(jobsBefore, Gemm.WorkerJobs);
    }

    [Fact]
    public void Conv2d_SmallWorkByDefaultThreshold_StaysOnCallingThread()
    {
        using var _ = new Settings(maxThreads: 2, Convolution.DefaultMinParallelWork, Gemm.DefaultMinParallelWork);
        var o = new Operands(new Random(10), Geometries[7], batch: 3);
        long jobsBefore = Gemm.WorkerJobs;
        Run(o, maxThreads: 2);
        Assert.Equal(jobsBefore, Gemm.WorkerJobs);
    }

    [Fact]
    public void Conv2d_TwoThreadsSecondCall_AllocatesNothing()
    {
        using var _ = new Settings(maxThreads: 2, convolutionWork: 0, gemmWork: Gemm.DefaultMinParallelWork);
        var lenet = new Operands(new Random(11), Geometries[1], batch: 16);
        var gemmPath = new Operands(new Random(12), Geometries[4], batch: 7);
        var results = new[] { new Results(lenet), new Results(gemmPath) };
        void Pass()
        {
            Compute(lenet, results[0]);
            Compute(gemmPath, results[1]);
        }
        Pass();
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 10; i++) Pass();
        }));
        Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran");
    }

    [Fact]
    public void Conv2d_ConcurrentCallers_EachGetsItsOwnResult()
    {
        using var _ = new Settings(maxThreads: 2, convolutionWork: 0, gemmWork: Gemm.DefaultMinParallelWork);
        var random = new Random(13);
        var cases = new (Operands Operands, Results Expected)[4];
        for (int t = 0; t < cases.Length; t++)
        {
            var o = new Operands(random, Geometries[t % 2 == 0 ? 1 : 4], batch: 5 + t);
            cases[t] = (o, Run(o, maxThreads: 1));
        }
        Gemm.MaxThreads = 2;

        // Whether a call gets the worker depends on the others; every result must still equal one thread's.
        var failures = new List<string>();
        var threads = cases.Select(c => new Thread(() =>
        {
            var mine = new Results(c.Operands);
            for (int i = 0; i < 30; i++)
            {
                Compute(c.Operands, mine);
                if (!Same(mine.Output, c.Expected.Output) || !Same(mine.DInput, c.Expected.DInput) || !Same(mine.DWeight, c.Expected.DWeight))
                {
                    lock (failures) failures.Add($"{c.Operands.Geometry} call {i} differs");
                    return;
                }
            }
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) thread.Join();

        Assert.Empty(failures);
    }

    /// <summary>Random operands of one convolution and batch.</summary>
    private sealed class Operands
    {
        public Operands(Random random, Conv2dGeometry g, int batch)
        {
            Geometry = g;
            Batch = batch;
            Input = Fill(random, batch * g.InputImageLength);
            Weight = Fill(random, g.WeightLength);
            Bias = Fill(random, g.OutChannels);
            DOutput = Fill(random, batch * g.OutputImageLength);
        }

        public Conv2dGeometry Geometry { get; }
        public int Batch { get; }
        public float[] Input { get; }
        public float[] Weight { get; }
        public float[] Bias { get; }
        public float[] DOutput { get; }
    }

    /// <summary>The three kernels' outputs, with a workspace of the planned size (as compiled code passes it).</summary>
    private sealed class Results(Operands o)
    {
        public float[] Output { get; } = new float[o.Batch * o.Geometry.OutputImageLength];
        public float[] DInput { get; } = new float[o.Batch * o.Geometry.InputImageLength];
        public float[] DWeight { get; } = new float[o.Geometry.WeightLength];
        public float[] Workspace { get; } = new float[o.Geometry.WorkspaceSize];
    }

    private static Results Run(Operands o, int maxThreads)
    {
        Gemm.MaxThreads = maxThreads;
        var results = new Results(o);
        Compute(o, results);
        return results;
    }

    private static void Compute(Operands o, Results r)
    {
        Conv2dGeometry g = o.Geometry;
        Convolution.Conv2dForward<float>(o.Input, o.Weight, o.Bias, r.Output, o.Batch, in g, r.Workspace, Activation.Relu);
        Convolution.Conv2dBackwardInput<float>(o.DOutput, o.Weight, r.DInput, o.Batch, in g, r.Workspace);
        Convolution.Conv2dBackwardWeight<float>(o.DOutput, o.Input, r.DWeight, o.Batch, in g, r.Workspace);
    }

    private static void AssertBitIdentical(Results expected, Results actual, string where)
    {
        AssertBitIdentical(expected.Output, actual.Output, where + " output");
        AssertBitIdentical(expected.DInput, actual.DInput, where + " dInput");
        AssertBitIdentical(expected.DWeight, actual.DWeight, where + " dWeight");
    }

    private static void AssertBitIdentical(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}[{i}]: {expected[i]} (one thread) vs {actual[i]} (two)");
        }
    }

    private static bool Same(float[] a, float[] b) => a.AsSpan().SequenceEqual(b);

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>Sets MaxThreads and both work thresholds for one test, then restores them.</summary>
    private readonly struct Settings : IDisposable
    {
        private readonly int _maxThreads;
        private readonly long _convolutionWork, _gemmWork;

        public Settings(int maxThreads, long convolutionWork, long gemmWork)
        {
            _maxThreads = Gemm.MaxThreads;
            _convolutionWork = Convolution.MinParallelWork;
            _gemmWork = Gemm.MinParallelWork;
            Gemm.MaxThreads = maxThreads;
            Convolution.MinParallelWork = convolutionWork;
            Gemm.MinParallelWork = gemmWork;
        }

        public void Dispose()
        {
            Gemm.MaxThreads = _maxThreads;
            Convolution.MinParallelWork = _convolutionWork;
            Gemm.MinParallelWork = _gemmWork;
        }
    }
}
