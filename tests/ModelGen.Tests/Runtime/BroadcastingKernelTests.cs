using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>The broadcasting kernels against naive per-element index arithmetic, on random shapes.</summary>
public class BroadcastingKernelTests
{
    // Random operand shapes whose broadcast is valid: a result shape, then each operand keeps a random suffix of
    // it with some dimensions squashed to 1.
    private static (int[] A, int[] B, int[] Result) RandomShapes(Rng rng)
    {
        int rank = rng.NextInt(5);
        var result = new int[rank];
        for (int d = 0; d < rank; d++) result[d] = 1 + rng.NextInt(4);
        return (Operand(rng, result), Operand(rng, result), result);
    }

    private static int[] Operand(Rng rng, int[] result)
    {
        int rank = rng.NextInt(result.Length + 1);
        var shape = result[(result.Length - rank)..];
        for (int d = 0; d < rank; d++) if (rng.NextInt(3) == 0) shape[d] = 1;
        return shape;
    }

    private static double[] RandomValues(Rng rng, int[] shape, bool awayFromZero = false)
    {
        var values = new double[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = awayFromZero ? 0.5 + rng.NextDouble() : rng.NextDouble() * 2 - 1;
        return values;
    }

    // The flat offset in an operand of the result element at flat index i, computed from scratch.
    private static int NaiveOffset(int i, int[] result, int[] operand)
    {
        int offset = 0, stride = 1;
        for (int d = result.Length - 1; d >= 0; d--)
        {
            int index = i % result[d];
            i /= result[d];
            int od = d - (result.Length - operand.Length);
            if (od < 0) continue;
            offset += (operand[od] == 1 ? 0 : index) * stride;
            stride *= operand[od];
        }
        return offset;
    }

    [Fact]
    public void Binary_RandomShapes_MatchesNaiveIndexArithmetic()
    {
        var rng = new Rng(200);
        for (int trial = 0; trial < 400; trial++)
        {
            var (aShape, bShape, _) = RandomShapes(rng);
            int[] shape = Broadcasting.BroadcastShapes(aShape, bShape);
            double[] a = RandomValues(rng, aShape), b = RandomValues(rng, bShape, awayFromZero: true);
            foreach (BinaryOp op in Enum.GetValues<BinaryOp>())
            {
                var dst = new double[shape.Aggregate(1, (x, y) => x * y)];
                Broadcasting.Binary<double>(op, a, aShape, b, bShape, dst, shape);
                for (int i = 0; i < dst.Length; i++)
                {
                    double x = a[NaiveOffset(i, shape, aShape)], y = b[NaiveOffset(i, shape, bShape)];
                    double expected = op switch { BinaryOp.Add => x + y, BinaryOp.Sub => x - y, BinaryOp.Mul => x * y, _ => x / y };
                    Assert.True(expected == dst[i],
                        $"{op} [{string.Join(",", aShape)}] [{string.Join(",", bShape)}] element {i}: {dst[i]} vs {expected}");
                }
            }
        }
    }

    [Fact]
    public void SumToShape_RandomShapes_MatchesNaiveIndexArithmetic()
    {
        var rng = new Rng(201);
        for (int trial = 0; trial < 400; trial++)
        {
            var (operand, _, result) = RandomShapes(rng);
            double[] src = RandomValues(rng, result);
            double[] initial = RandomValues(rng, operand);
            var expected = (double[])initial.Clone();
            for (int i = 0; i < src.Length; i++) expected[NaiveOffset(i, result, operand)] += src[i];

            var accumulated = (double[])initial.Clone();
            Broadcasting.SumToShape<double>(src, result, accumulated, operand, accumulate: true);
            var overwritten = (double[])initial.Clone();
            Broadcasting.SumToShape<double>(src, result, overwritten, operand, accumulate: false);

            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], accumulated[i], 1e-12);
                Assert.Equal(expected[i] - initial[i], overwritten[i], 1e-12);
            }
        }
    }

    [Fact]
    public void SumRows_Matrix_GivesColumnSums()
    {
        float[] src = [1, 2, 3, 4, 5, 6];
        var dst = new float[] { 10, 20, 30 };
        Broadcasting.SumRows<float>(src, 2, 3, dst, accumulate: true);
        Assert.Equal(new float[] { 15, 27, 39 }, dst);
        Broadcasting.SumRows<float>(src, 2, 3, dst);
        Assert.Equal(new float[] { 5, 7, 9 }, dst);
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 1 }, new[] { 1, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 }, new[] { 2, 3, 4 })]
    [InlineData(new int[0], new[] { 2, 5 }, new[] { 2, 5 })]
    [InlineData(new[] { 5, 1, 3 }, new[] { 1, 4, 1 }, new[] { 5, 4, 3 })]
    public void BroadcastShapes_CompatibleShapes_GivesNumPyResult(int[] a, int[] b, int[] expected)
    {
        Assert.Equal(expected, Broadcasting.BroadcastShapes(a, b));
        Assert.Equal(expected, Broadcasting.BroadcastShapes(b, a));
    }

    [Fact]
    public void BroadcastShapes_IncompatibleShapes_ThrowsNamingBoth()
    {
        var error = Assert.Throws<ArgumentException>(() => Broadcasting.BroadcastShapes([2, 3], [4, 3, 2]));
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[4, 3, 2]", error.Message);
    }

    [Fact]
    public void Binary_WrongDestinationShape_Throws()
    {
        Assert.Throws<ArgumentException>(() =>
            Broadcasting.Binary<float>(BinaryOp.Add, new float[3], [3], new float[3], [3], new float[6], [2, 3]));
    }

    [Fact]
    public void SpanKernels_GeneralPaths_DoNotAllocate()
    {
        double[] a = new double[2 * 3 * 4], b = new double[3], dst = new double[24], sum = new double[3];
        int[] aShape = [2, 3, 4], bShape = [3, 1], dstShape = [2, 3, 4];
        double[] logits = new double[12], dLogits = new double[12];
        int[] labels = [0, 3, 1];
        void Run()
        {
            Broadcasting.Binary<double>(BinaryOp.Mul, a, aShape, b, bShape, dst, dstShape);
            Broadcasting.SumToShape<double>(dst, dstShape, sum, bShape, accumulate: false);
            Losses.CrossEntropyForward<double>(logits, labels, 3, 4);
            Losses.CrossEntropyBackward<double>(logits, labels, 3, 4, 1.0, dLogits);
            Losses.MseForward<double>(a, dst);
            Losses.MseBackward<double>(a, dst, 1.0, dst);
            Activations.Sigmoid<double>(a, dst);
            Activations.SigmoidBackward<double>(a, dst, dst);
        }
        Run();
        Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 10; i++) Run(); }));
    }
}
