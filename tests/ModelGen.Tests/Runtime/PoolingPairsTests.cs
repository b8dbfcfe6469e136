using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// The float32 2×2 stride-2 max pooling (Pooling.Pairs.cs) against the generic loops that float64 runs: a maximum
/// and its routing are exact, so the two must agree exactly, ties, NaN and zeros of both signs included.
/// </summary>
public class PoolingPairsTests
{
    // Planes whose output rows take eight-window vectors (14 = 8 + an overlapping 8), four-window vectors (4, 5, 6),
    // exactly 8 and 16, LeNet's two poolings among them.
    public static TheoryData<int, int, int> Planes => new()
    {
        { 6, 28, 28 },
        { 16, 10, 10 },
        { 3, 8, 8 },
        { 2, 6, 12 },
        { 1, 4, 16 },
        { 2, 2, 32 },
        { 5, 4, 18 },
    };

    [Theory]
    [MemberData(nameof(Planes))]
    public void MaxPool2x2_Float32_MatchesGenericLoopsExactly(int channels, int height, int width)
    {
        var g = new Pool2dGeometry(channels, height, width, 2, 2, 2, 2, 0, 0);
        Assert.True(Pooling.UsePairs<float>(in g) || !System.Runtime.Intrinsics.X86.Avx2.IsSupported);
        const int batch = 3;
        double[] x = TiedValues(new Rng(11), batch * g.InputImageLength);
        double[] dy = Enumerable.Range(0, batch * g.OutputImageLength).Select(i => 1.0 + i % 97).ToArray();
        var y = new double[dy.Length];
        var dx = new double[x.Length];
        Pooling.MaxPool2dForward<double>(x, y, batch, in g);
        Pooling.MaxPool2dBackward<double>(dy, x, y, dx, batch, in g);

        float[] x32 = x.Select(v => (float)v).ToArray(), dy32 = dy.Select(v => (float)v).ToArray();
        var y32 = new float[y.Length];
        var dx32 = new float[dx.Length];
        Array.Fill(dx32, 7f); // garbage: the paired backward overwrites every element without clearing first
        Pooling.MaxPool2dForward<float>(x32, y32, batch, in g);
        Pooling.MaxPool2dBackward<float>(dy32, x32, y32, dx32, batch, in g);

        for (int i = 0; i < y.Length; i++)
        {
            // Equal as values: a window of zeros may give +0 where the loop keeps a first −0.
            Assert.True((float)y[i] == y32[i] || (double.IsNaN(y[i]) && float.IsNaN(y32[i])), $"output [{i}]: {y[i]} vs {y32[i]}");
        }
        for (int i = 0; i < dx.Length; i++) Assert.True((float)dx[i] == dx32[i], $"dInput [{i}]: {dx[i]} vs {dx32[i]}");
    }

    [Fact]
    public void MaxPool2x2_OddWidth_TakesTheGenericLoops()
    {
        Assert.False(Pooling.UsePairs<float>(new Pool2dGeometry(1, 8, 9, 2, 2, 2, 2, 0, 0)));
        Assert.False(Pooling.UsePairs<float>(new Pool2dGeometry(1, 9, 8, 2, 2, 2, 2, 0, 0)));
        Assert.False(Pooling.UsePairs<float>(new Pool2dGeometry(1, 8, 6, 2, 2, 2, 2, 0, 0))); // 3 windows a row
        Assert.False(Pooling.UsePairs<float>(new Pool2dGeometry(1, 8, 8, 2, 2, 2, 2, 1, 1)));
        Assert.False(Pooling.UsePairs<double>(new Pool2dGeometry(1, 8, 8, 2, 2, 2, 2, 0, 0)));
    }

    /// <summary>Few distinct values (many ties inside windows), zeros of both signs, the odd NaN and infinity.</summary>
    private static double[] TiedValues(Rng rng, int count)
    {
        double[] special = [0.0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity];
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            double u = rng.NextDouble();
            values[i] = u < 0.03 ? special[(int)(rng.NextDouble() * special.Length) % special.Length] : Math.Round(u * 4) - 2;
        }
        return values;
    }
}
