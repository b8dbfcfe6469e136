using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// Gemm.MultiplyPacked: op(B) packed once gives C bit-identical to the unpacked multiply, on every path, at one and
/// two threads, through the skinny (≤ 4 rows) path, and across depth blocks. In the threading collection: the tests
/// change MaxThreads and the work threshold.
/// </summary>
[Collection(GemmThreadingCollection.Name)]
public class GemmPrepackedTests
{
    // Odd sizes around the tiles (6×16, 12×32, 4×4); k past one (257, 300) and two (513) KC = 256 blocks, balanced
    // into unequal-looking blocks; n not a multiple of NR; m ≤ 4 (the skinny path on vector paths).
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 40, 300), (3, 33, 257), (4, 17, 9), (5, 7, 3), (7, 33, 513), (13, 47, 256),
        (25, 70, 12), (97, 31, 257), (40, 130, 600), (29, 300, 9),
    ];

    [Theory]
    [MemberData(nameof(GemmThreadingTests.AcceleratedPaths), MemberType = typeof(GemmThreadingTests))]
    public void MultiplyPacked_OneAndTwoThreads_BitIdenticalToUnpacked(string path)
    {
        using var _ = new GemmThreadingTests.Settings(maxThreads: 2, minParallelWork: 0, Enum.Parse<GemmPath>(path));
        var random = new Random(7);
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;
        foreach (var (m, n, k) in Shapes)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    for (int options = 0; options < 8; options++)
                        AssertPackedMatchesUnpacked(random, m, n, k, transA, transB, options);
        // The MLP's first layer, the shape prepacking is for.
        AssertPackedMatchesUnpacked(random, 64, 256, 784, false, true, options: 6);
        Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran a packed multiply");
    }

    [Fact]
    public void MultiplyPacked_PanelsPackedOnAnotherPath_StillBitIdentical()
    {
        using var _ = new GemmThreadingTests.Settings(maxThreads: 1, minParallelWork: 0, GemmPath.Scalar);
        var random = new Random(8);
        const int m = 20, n = 37, k = 300;
        float[] a = Fill(random, m * k), b = Fill(random, n * k);
        var packed = new Gemm.PackedB(n, k, transB: true);
        packed.Pack(b, k); // scalar panels, 4 wide
        Gemm.ForcedPath = Gemm.BestPath; // multiplies now want another layout (or the same one on a scalar machine)

        float[] expected = new float[m * n], actual = new float[m * n];
        Gemm.Multiply(m, n, k, a, k, false, b, k, true, expected, n);
        Gemm.MultiplyPacked(m, n, k, a, k, false, b, k, true, packed, actual, n);
        AssertBitIdentical(expected, actual, "packed on the scalar path");
    }

    [Fact]
    public void MultiplyPacked_ManyRows_ReadsThePanelsNotB()
    {
        // A probe that breaks the contract on purpose: B zeroed after packing. Above four rows the blocked path runs
        // on the panels, so C is the product with the B that was packed.
        var random = new Random(10);
        const int m = 30, n = 50, k = 270;
        float[] a = Fill(random, m * k), b = Fill(random, n * k);
        var packed = new Gemm.PackedB(n, k, transB: true);
        packed.Pack(b, k);
        float[] expected = new float[m * n], actual = new float[m * n];
        Gemm.Multiply(m, n, k, a, k, false, b, k, true, expected, n);
        Gemm.MultiplyPacked(m, n, k, a, k, false, new float[n * k], k, true, packed, actual, n);
        AssertBitIdentical(expected, actual, "B zeroed after packing");
    }

    [Fact]
    public void MultiplyPacked_FewRowsOnVectorPath_ReadsBInPlace()
    {
        if (Gemm.BestPath == GemmPath.Scalar) return; // no skinny path on this machine
        // The same probe at four rows: the skinny path reads B where it lies (what the unpacked call does), so the
        // zeroed B gives a zero product.
        var random = new Random(11);
        const int m = 4, n = 50, k = 270;
        float[] a = Fill(random, m * k), b = Fill(random, n * k);
        var packed = new Gemm.PackedB(n, k, transB: true);
        packed.Pack(b, k);
        float[] actual = Fill(random, m * n);
        Gemm.MultiplyPacked(m, n, k, a, k, false, new float[n * k], k, true, packed, actual, n);
        Assert.All(actual, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void MultiplyPacked_PackedForOtherSizes_Throws()
    {
        var packed = new Gemm.PackedB(8, 5, transB: false);
        packed.Pack(new float[5 * 8], 8);
        float[] a = new float[3 * 5], b = new float[5 * 9], c = new float[3 * 9];
        var error = Assert.Throws<ArgumentException>(() => Gemm.MultiplyPacked(3, 9, 5, a, 5, false, b, 9, false, packed, c, 9));
        Assert.Contains("n = 8", error.Message);
        float[] bt = new float[8 * 5], c8 = new float[3 * 8];
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyPacked(3, 8, 5, a, 5, false, bt, 5, true, packed, c8, 8));
    }

    [Fact]
    public void MultiplyPacked_NeverPacked_Throws()
    {
        var packed = new Gemm.PackedB(8, 5, transB: false);
        float[] a = new float[3 * 5], b = new float[5 * 8], c = new float[3 * 8];
        var error = Assert.Throws<ArgumentException>(() => Gemm.MultiplyPacked(3, 8, 5, a, 5, false, b, 8, false, packed, c, 8));
        Assert.Contains("not been packed", error.Message);
    }

    [Fact]
    public void MultiplyPacked_NullPanels_RunsTheUnpackedMultiply()
    {
        var random = new Random(9);
        float[] a = Fill(random, 9 * 11), b = Fill(random, 11 * 13), expected = new float[9 * 13], actual = new float[9 * 13];
        Gemm.Multiply(9, 13, 11, a, 11, false, b, 13, false, expected, 13);
        Gemm.MultiplyPacked(9, 13, 11, a, 11, false, b, 13, false, null, actual, 13);
        AssertBitIdentical(expected, actual, "null panels");
    }

    [Fact]
    public void MultiplyPacked_TwoThreadsSecondCall_AllocatesNothing()
    {
        using var _ = new GemmThreadingTests.Settings(maxThreads: 2, minParallelWork: 0, GemmPath.Auto);
        const int m = 64, n = 256, k = 784;
        float[] a = new float[m * k], b = new float[n * k], c = new float[m * n], bias = new float[n];
        var packed = new Gemm.PackedB(n, k, transB: true);
        packed.Pack(b, k);
        Gemm.MultiplyPacked(m, n, k, a, k, false, b, k, true, packed, c, n, false, bias, Activation.Relu);

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 20; i++)
                Gemm.MultiplyPacked(m, n, k, a, k, false, b, k, true, packed, c, n, false, bias, Activation.Relu);
        }));
    }

    /// <summary>
    /// The unpacked multiply at one thread is the reference; the packed one at one thread and at two (work threshold
    /// 0, so every splittable shape splits) must match every float of C bit for bit.
    /// </summary>
    private static void AssertPackedMatchesUnpacked(Random random, int m, int n, int k, bool transA, bool transB, int options)
    {
        bool accumulate = (options & 1) != 0, bias = (options & 2) != 0, relu = (options & 4) != 0;
        int padding = options % 3;
        int lda = (transA ? m : k) + padding, ldb = (transB ? k : n) + padding, ldc = n + padding;
        float[] a = Fill(random, (transA ? k : m) * lda);
        float[] b = Fill(random, (transB ? n : k) * ldb);
        float[] biasValues = bias ? Fill(random, n) : [];
        float[] expected = Fill(random, m * ldc);
        Activation activation = relu ? Activation.Relu : Activation.None;
        var packed = new Gemm.PackedB(n, k, transB);
        packed.Pack(b, ldb);

        float[] c = (float[])expected.Clone();
        Gemm.MaxThreads = 1;
        Gemm.Multiply(m, n, k, a, lda, transA, b, ldb, transB, expected, ldc, accumulate, biasValues, activation);
        foreach (int threads in new[] { 1, 2 })
        {
            float[] actual = (float[])c.Clone();
            Gemm.MaxThreads = threads;
            Gemm.MultiplyPacked(m, n, k, a, lda, transA, b, ldb, transB, packed, actual, ldc, accumulate, biasValues, activation);
            AssertBitIdentical(expected, actual,
                $"m={m} n={n} k={k} transA={transA} transB={transB} options={options} threads={threads}");
        }
    }

    private static void AssertBitIdentical(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i}: {expected[i]} unpacked vs {actual[i]} packed");
        }
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
