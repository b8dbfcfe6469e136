using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// The two-thread split of Gemm.Multiply: bit-identical to one thread, safe under concurrent callers, off when
/// MaxThreads is 1, allocation-free once warm. These tests change process-wide settings (MaxThreads and the work
/// threshold), so they run alone, after the parallel tests.
/// </summary>
[Collection(GemmThreadingCollection.Name)]
public class GemmThreadingTests
{
    private static readonly GemmPath[] AllPaths = [GemmPath.Scalar, GemmPath.Vector256, GemmPath.Vector512];

    public static TheoryData<string> AcceleratedPaths()
    {
        var data = new TheoryData<string>();
        foreach (GemmPath path in AllPaths)
            if (Gemm.IsAccelerated(path)) data.Add(path.ToString());
        return data;
    }

    // Odd sizes around the tiles (6×16, 12×32), splits along n (n ≥ m) and along m (n narrow), and blocks past KC.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 40, 3), (7, 33, 5), (13, 7, 9), (12, 32, 1), (25, 70, 12), (40, 5, 300), (97, 31, 257),
        (64, 256, 784), (256, 784, 64), (301, 37, 530), (29, 1000, 9), (150, 150, 300),
    ];

    [Theory]
    [MemberData(nameof(AcceleratedPaths))]
    public void Multiply_TwoThreads_BitIdenticalToOneThread(string path)
    {
        using var _ = new Settings(maxThreads: 2, minParallelWork: 0, Enum.Parse<GemmPath>(path));
        var random = new Random(42);
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;
        foreach (var (m, n, k) in Shapes)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    for (int options = 0; options < 8; options++)
                        AssertTwoThreadsMatchOne(random, m, n, k, transA, transB, accumulate: (options & 1) != 0,
                            bias: (options & 2) != 0, relu: (options & 4) != 0, padding: options % 3);
        Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran");
    }

    [Fact]
    public void Multiply_MaxThreadsOne_NeverUsesWorker()
    {
        using var _ = new Settings(maxThreads: 1, minParallelWork: 0, GemmPath.Auto);
        var random = new Random(1);
        long jobsBefore = Gemm.WorkerJobs;
        Multiply(random, 256, 256, 256);
        Multiply(random, 64, 784, 256);
        Assert.Equal(jobsBefore, Gemm.WorkerJobs);
    }

    [Fact]
    public void Multiply_SmallProblemByDefaultThreshold_StaysOnCallingThread()
    {
        using var _ = new Settings(maxThreads: 2, Gemm.DefaultMinParallelWork, GemmPath.Auto);
        var random = new Random(2);
        long jobsBefore = Gemm.WorkerJobs;
        Multiply(random, 64, 84, 120);
        Multiply(random, 64, 10, 84);
        Assert.Equal(jobsBefore, Gemm.WorkerJobs);
    }

    [Fact]
    public void Multiply_ConcurrentCallersWithWorker_EachGetsItsOwnResult()
    {
        using var _ = new Settings(maxThreads: 2, minParallelWork: 0, GemmPath.Auto);
        var random = new Random(3);
        var problems = new (float[] A, float[] B, float[] Expected, int M, int N, int K)[4];
        for (int t = 0; t < problems.Length; t++)
        {
            int m = 40 + 17 * t, n = 200 - 31 * t, k = 70 + 50 * t;
            float[] a = Fill(random, m * k), b = Fill(random, k * n), expected = new float[m * n];
            Gemm.Reference(m, n, k, a, k, false, b, n, false, expected, n);
            problems[t] = (a, b, expected, m, n, k);
        }

        var failures = new List<string>();
        var threads = new Thread[problems.Length];
        for (int t = 0; t < threads.Length; t++)
        {
            var (a, b, expected, m, n, k) = problems[t];
            threads[t] = new Thread(() =>
            {
                // Whether a call gets the worker depends on the others; every result must equal the first bit for bit.
                float[] first = new float[m * n], c = new float[m * n];
                for (int i = 0; i < 200; i++)
                {
                    Gemm.Multiply(m, n, k, a, k, false, b, n, false, i == 0 ? first : c, n);
                    if (i > 0 && !c.AsSpan().SequenceEqual(first))
                    {
                        lock (failures) failures.Add($"{m}x{n}x{k} call {i} differs");
                        return;
                    }
                }
                for (int i = 0; i < first.Length; i++)
                {
                    if (Math.Abs(first[i] - expected[i]) > 1e-3f * Math.Max(1f, Math.Abs(expected[i])))
                    {
                        lock (failures) failures.Add($"{m}x{n}x{k} element {i}: {first[i]} vs {expected[i]}");
                        return;
                    }
                }
            });
        }
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) thread.Join();

        Assert.Empty(failures);
    }

    [Fact]
    public void Multiply_WorkerThrows_CallerGetsExceptionAndWorkerRecovers()
    {
        using var _ = new Settings(maxThreads: 2, minParallelWork: 0, GemmPath.Auto);
        var random = new Random(4);
        Multiply(random, 64, 256, 100); // creates the worker
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;

        // WorkerTaking makes the caller wait until the worker has taken the job, so the worker's failure happens now.
        Exception? error = null;
        try
        {
            Gemm.FailNextWorkerJobForTesting = true;
            error = Record.Exception(() => Multiply(random, 64, 256, 100));
        }
        finally
        {
            Gemm.FailNextWorkerJobForTesting = false;
        }
        Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("Injected", error.Message);

        // The worker is free again and computes correctly.
        AssertTwoThreadsMatchOne(random, 64, 256, 100, false, false, true, true, true, padding: 1);
        Assert.True(Gemm.WorkerJobs > jobsBefore);
    }

    [Fact]
    public void Multiply_TwoThreadsSecondCall_AllocatesNothing()
    {
        using var _ = new Settings(maxThreads: 2, minParallelWork: 0, GemmPath.Auto);
        const int m = 64, n = 784, k = 256;
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n], bias = new float[n];
        Gemm.Multiply(m, n, k, a, k, false, b, n, false, c, n, false, bias, Activation.Relu);
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 50; i++)
                Gemm.Multiply(m, n, k, a, k, false, b, n, false, c, n, false, bias, Activation.Relu);
        }));
        Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran");
    }

    [Fact]
    public void MaxThreads_BelowOne_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MaxThreads = 0);

    /// <summary>Runs the same multiply with MaxThreads 1 and 2 and requires every float of C to agree bit for bit.</summary>
    private static void AssertTwoThreadsMatchOne(Random random, int m, int n, int k, bool transA, bool transB,
        bool accumulate, bool bias, bool relu, int padding)
    {
        int lda = (transA ? m : k) + padding, ldb = (transB ? k : n) + padding, ldc = n + padding;
        float[] a = Fill(random, (transA ? k : m) * lda);
        float[] b = Fill(random, (transB ? n : k) * ldb);
        float[] biasValues = bias ? Fill(random, n) : [];
        float[] one = Fill(random, m * ldc);
        float[] two = (float[])one.Clone();
        Activation activation = relu ? Activation.Relu : Activation.None;

        Gemm.MaxThreads = 1;
        Gemm.Multiply(m, n, k, a, lda, transA, b, ldb, transB, one, ldc, accumulate, biasValues, activation);
        Gemm.MaxThreads = 2;
        Gemm.Multiply(m, n, k, a, lda, transA, b, ldb, transB, two, ldc, accumulate, biasValues, activation);

        for (int i = 0; i < one.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(one[i]) != BitConverter.SingleToInt32Bits(two[i]))
            {
                Assert.Fail($"m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate} " +
                    $"bias={bias} relu={relu} padding={padding}: C[{i / ldc},{i % ldc}] {one[i]} vs {two[i]}");
            }
        }
    }

    private static void Multiply(Random random, int m, int n, int k)
    {
        float[] a = Fill(random, m * k), b = Fill(random, k * n);
        float[] c = new float[m * n];
        Gemm.Multiply(m, n, k, a, k, false, b, n, false, c, n);
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Sets the process-wide threading knobs (and this thread's path) for one test, then restores them.</summary>
    internal readonly struct Settings : IDisposable
    {
        private readonly int _maxThreads;
        private readonly long _minParallelWork;

        public Settings(int maxThreads, long minParallelWork, GemmPath path)
        {
            _maxThreads = Gemm.MaxThreads;
            _minParallelWork = Gemm.MinParallelWork;
            Gemm.MaxThreads = maxThreads;
            Gemm.MinParallelWork = minParallelWork;
            Gemm.ForcedPath = path;
        }

        public void Dispose()
        {
            Gemm.MaxThreads = _maxThreads;
            Gemm.MinParallelWork = _minParallelWork;
            Gemm.ForcedPath = GemmPath.Auto;
        }
    }
}

/// <summary>Runs the threading tests alone: they change settings every other GEMM caller would see.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public class GemmThreadingCollection
{
    public const string Name = "Gemm threading";
}
