using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// Gemm.Multiply against Gemm.Reference (float64 accumulators) on every path: the hardware paths on every shape,
/// and the vector paths this machine does not accelerate (software-emulated, slow) on small shapes only.
/// </summary>
public class GemmTests
{
    private static readonly GemmPath[] AllPaths = [GemmPath.Scalar, GemmPath.Vector256, GemmPath.Vector512];

    /// <summary>Paths the test names by string, since GemmPath is internal and xunit theories are public.</summary>
    public static TheoryData<string> AcceleratedPaths()
    {
        var data = new TheoryData<string>();
        foreach (GemmPath path in AllPaths)
            if (Gemm.IsAccelerated(path)) data.Add(path.ToString());
        return data;
    }

    public static TheoryData<string> EveryPath()
    {
        var data = new TheoryData<string>();
        foreach (GemmPath path in AllPaths) data.Add(path.ToString());
        return data;
    }

    // Shapes around the tile sizes (4×4, 6×16, 12×32) and the depth block (256): edges in every direction.
    private static readonly (int M, int N, int K)[] SmallShapes =
    [
        (1, 1, 1), (1, 1, 7), (7, 13, 5), (13, 7, 1), (6, 16, 3), (12, 32, 9), (5, 17, 33),
        (2, 1, 300), (1, 40, 17), (19, 33, 257), (25, 70, 12),
    ];

    [Theory]
    [MemberData(nameof(EveryPath))]
    public void Multiply_SmallShapesEveryOption_MatchesReference(string path)
    {
        using var _ = Force(path);
        var random = new Random(1234);
        foreach (var (m, n, k) in SmallShapes)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    for (int options = 0; options < 8; options++)
                        AssertMatchesReference(random, m, n, k, transA, transB,
                            accumulate: (options & 1) != 0, bias: (options & 2) != 0, relu: (options & 4) != 0);
    }

    [Theory]
    [MemberData(nameof(EveryPath))]
    public void Multiply_FewRows_MatchesReference(string path)
    {
        // Up to SkinnyMaxRows rows of a row-major A skip packing (Gemm.Skinny.cs); 5 rows and a transposed A do not.
        // Columns around the 4-column and 8/32-float blocks, depths around the 8-float vector, strides with padding.
        using var _ = Force(path);
        var random = new Random(17);
        for (int m = 1; m <= Gemm.SkinnyMaxRows + 1; m++)
            foreach (int n in new[] { 1, 3, 4, 5, 8, 31, 33, 40, 70 })
                foreach (int k in new[] { 1, 7, 8, 9, 300 })
                    foreach (bool transB in new[] { false, true })
                    {
                        int options = random.Next(8);
                        AssertMatchesReference(random, m, n, k, transA: false, transB, accumulate: (options & 1) != 0,
                            bias: (options & 2) != 0, relu: (options & 4) != 0, padding: random.Next(3));
                    }
        // A batch-1 Linear forward and its input gradient at MLP size.
        AssertMatchesReference(random, 1, 256, 784, false, true, accumulate: false, bias: true, relu: true);
        AssertMatchesReference(random, 1, 784, 256, false, false, accumulate: false, bias: false, relu: false);
    }

    [Theory]
    [MemberData(nameof(AcceleratedPaths))]
    public void Multiply_MlpShapes_MatchesReference(string path)
    {
        using var _ = Force(path);
        var random = new Random(99);
        // Forward (x·Wᵀ and x·W), the weight gradient (xᵀ·dy) and the input gradient of an MNIST MLP.
        AssertMatchesReference(random, 64, 256, 784, false, false, accumulate: false, bias: true, relu: true);
        AssertMatchesReference(random, 64, 256, 784, false, true, accumulate: false, bias: true, relu: true);
        AssertMatchesReference(random, 64, 784, 256, false, false, accumulate: false, bias: false, relu: false);
        AssertMatchesReference(random, 256, 784, 64, true, false, accumulate: true, bias: false, relu: false);
        AssertMatchesReference(random, 64, 784, 256, true, true, accumulate: false, bias: true, relu: false);
    }

    [Theory]
    [MemberData(nameof(AcceleratedPaths))]
    public void Multiply_ShapesCrossingEveryBlock_MatchesReference(string path)
    {
        using var _ = Force(path);
        var random = new Random(7);
        // m over MC, k over KC and n over NC, none a multiple of the tile, so every loop has a remainder.
        AssertMatchesReference(random, 301, 37, 530, false, false, accumulate: true, bias: true, relu: true);
        AssertMatchesReference(random, 29, 4133, 9, true, true, accumulate: false, bias: true, relu: false);
        AssertMatchesReference(random, 150, 150, 300, true, false, accumulate: true, bias: false, relu: true);
    }

    [Theory]
    [MemberData(nameof(EveryPath))]
    public void Multiply_StridesLongerThanRows_MatchesReferenceAndLeavesPaddingAlone(string path)
    {
        using var _ = Force(path);
        var random = new Random(5);
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
            {
                AssertMatchesReference(random, 13, 21, 11, transA, transB, true, true, true, padding: 3);
                AssertMatchesReference(random, 7, 40, 19, transA, transB, false, false, false, padding: 17);
            }
    }

    [Theory]
    [MemberData(nameof(EveryPath))]
    public void Multiply_ZeroDepth_WritesAccumulatedBiasThenActivation(string path)
    {
        using var _ = Force(path);
        var random = new Random(3);
        for (int options = 0; options < 8; options++)
            AssertMatchesReference(random, 5, 9, 0, false, false,
                accumulate: (options & 1) != 0, bias: (options & 2) != 0, relu: (options & 4) != 0);
    }

    [Theory]
    [MemberData(nameof(EveryPath))]
    public void Multiply_EmptyOutput_LeavesCUntouched(string path)
    {
        using var _ = Force(path);
        float[] c = [1f, 2f, 3f];
        Gemm.Multiply(0, 3, 4, [], 4, false, new float[12], 3, false, c, 3);
        Gemm.Multiply(3, 0, 4, new float[12], 4, false, [], 0, false, c, 0);
        Assert.Equal([1f, 2f, 3f], c);
    }

    [Theory]
    [MemberData(nameof(AcceleratedPaths))]
    public void Multiply_SecondCallOfSameSize_AllocatesNothing(string path)
    {
        using var _ = Force(path);
        const int m = 64, n = 784, k = 256;
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n], bias = new float[n];
        Gemm.Multiply(m, n, k, a, k, false, b, n, false, c, n, false, bias, Activation.Relu);

        Assert.Equal(0, Allocations.SteadyState(
            () => Gemm.Multiply(m, n, k, a, k, false, b, n, false, c, n, false, bias, Activation.Relu)));
    }

    [Fact]
    public void Multiply_SpanShorterThanShape_Throws()
    {
        float[] a = new float[6], b = new float[6], c = new float[4];
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 2, 3, a, 3, false, b, 2, false, new float[3], 2));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 2, 3, new float[5], 3, false, b, 2, false, c, 2));
        Assert.Throws<ArgumentException>(
            () => Gemm.Multiply(2, 2, 3, a, 3, false, b, 2, false, c, 2, bias: new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(2, 2, 3, a, 2, false, b, 2, false, c, 2));
    }

    /// <summary>
    /// Runs Multiply and Reference on the same random inputs (C rows padded by <paramref name="padding"/>
    /// sentinel columns, as are A's and B's rows) and compares them with a tolerance that grows like sqrt(k).
    /// </summary>
    private static void AssertMatchesReference(Random random, int m, int n, int k, bool transA, bool transB,
        bool accumulate, bool bias, bool relu, int padding = 0)
    {
        int lda = (transA ? m : k) + padding, ldb = (transB ? k : n) + padding, ldc = n + padding;
        float[] a = Fill(random, (transA ? k : m) * lda);
        float[] b = Fill(random, (transB ? n : k) * ldb);
        float[] biasValues = bias ? Fill(random, n) : [];
        float[] expected = Fill(random, m * ldc);
        float[] actual = (float[])expected.Clone();
        Activation activation = relu ? Activation.Relu : Activation.None;

        Gemm.Reference(m, n, k, a, lda, transA, b, ldb, transB, expected, ldc, accumulate, biasValues, activation);
        Gemm.Multiply(m, n, k, a, lda, transA, b, ldb, transB, actual, ldc, accumulate, biasValues, activation);

        double maxDiff = 0, maxRef = 1;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                float want = expected[i * ldc + j], got = actual[i * ldc + j];
                if (j >= n)
                {
                    // Padding between rows of C is not part of the matrix and must survive bit for bit.
                    Assert.True(BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got),
                        $"padding C[{i},{j}] changed");
                    continue;
                }
                if (relu) Assert.True(got >= 0, $"ReLU left C[{i},{j}] = {got}");
                maxDiff = Math.Max(maxDiff, Math.Abs((double)want - got));
                maxRef = Math.Max(maxRef, Math.Abs((double)want));
            }
        }
        double tolerance = 1e-5 * Math.Sqrt(Math.Max(k, 1));
        Assert.True(maxDiff / maxRef <= tolerance,
            $"m={m} n={n} k={k} transA={transA} transB={transB} accumulate={accumulate} bias={bias} relu={relu} " +
            $"padding={padding} path={Gemm.ForcedPath}: max |diff| {maxDiff} / {maxRef} > {tolerance}");
    }

    private static float[] Fill(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static PathScope Force(string path) => new(Enum.Parse<GemmPath>(path));

    /// <summary>Forces a GEMM path on this thread for one test and restores Auto afterwards.</summary>
    private readonly struct PathScope : IDisposable
    {
        public PathScope(GemmPath path) => Gemm.ForcedPath = path;

        public void Dispose() => Gemm.ForcedPath = GemmPath.Auto;
    }
}
