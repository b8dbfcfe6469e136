using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>MaxPool2d and AvgPool2d: kernels against direct loops, gradients, tie-breaking and the layers' checks.</summary>
public class PoolingTests
{
    // kernel, stride, padding: non-overlapping, overlapping, padded, and a stride that skips cells.
    public static TheoryData<int, int, int> Windows => new()
    {
        { 2, 2, 0 },
        { 3, 2, 1 },
        { 3, 1, 1 },
        { 2, 1, 0 },
        { 2, 3, 1 },
        { 5, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Forward_Float64_MatchesDirectLoops(int kernel, int stride, int padding)
    {
        var g = new Pool2dGeometry(3, 7, 5, kernel, kernel, stride, stride, padding, padding);
        double[] x = DistinctValues(new Rng(1), 2 * g.InputImageLength);
        var max = new double[2 * g.OutputImageLength];
        var avg = new double[max.Length];
        Pooling.MaxPool2dForward<double>(x, max, 2, in g);
        Pooling.AvgPool2dForward<double>(x, avg, 2, in g);

        var (expectedMax, expectedAvg) = DirectPooling(x, 2, g);
        Assert.Equal(expectedMax, max);
        Assert.True(GradCheck.MaxRelativeError(avg, expectedAvg) < 1e-14);

        var max32 = new float[max.Length];
        var avg32 = new float[avg.Length];
        float[] x32 = x.Select(v => (float)v).ToArray();
        Pooling.MaxPool2dForward<float>(x32, max32, 2, in g);
        Pooling.AvgPool2dForward<float>(x32, avg32, 2, in g);
        for (int i = 0; i < max.Length; i++)
        {
            Assert.Equal((float)max[i], max32[i]);
            Assert.True(Math.Abs(avg[i] - avg32[i]) <= 1e-5 * Math.Max(1, Math.Abs(avg[i])));
        }
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void Gradients_Float64_MatchFiniteDifferences(int kernel, int stride, int padding)
    {
        var g = new Pool2dGeometry(3, 7, 5, kernel, kernel, stride, stride, padding, padding);
        Tensor x = Tensor.FromArray(DistinctValues(new Rng(2), 2 * g.InputImageLength), 2, 3, 7, 5);
        x.RequiresGrad = true;
        GradCheck.Assert(() => Ops.MaxPool2d(x, in g), x);
        GradCheck.Assert(() => Ops.AvgPool2d(x, in g), x);
    }

    [Fact]
    public void MaxBackward_Ties_GradientGoesToFirstMaximumInRowMajorOrder()
    {
        var g = new Pool2dGeometry(1, 2, 4, 2, 2, 2, 2, 0, 0);
        // Window 0 is all 5s; window 1 has its maximum 9 at (0, 3) and (1, 2).
        double[] x = [5, 5, 1, 9, 5, 5, 9, 2];
        var y = new double[2];
        Pooling.MaxPool2dForward<double>(x, y, 1, in g);
        var dx = new double[8];
        Array.Fill(dx, 7.0);
        Pooling.MaxPool2dBackward<double>([1.5, 2.5], x, y, dx, 1, in g);
        Assert.Equal(new double[] { 5, 9 }, y);
        Assert.Equal(new double[] { 1.5, 0, 0, 2.5, 0, 0, 0, 0 }, dx);
    }

    [Fact]
    public void MaxForward_PaddingActsAsNegativeInfinity()
    {
        var g = new Pool2dGeometry(1, 2, 2, 2, 2, 1, 1, 1, 1);
        var y = new double[9];
        Pooling.MaxPool2dForward<double>([-4, -3, -2, -1], y, 1, in g);
        Assert.Equal(new double[] { -4, -3, -3, -2, -1, -1, -2, -1, -1 }, y);
    }

    [Fact]
    public void AvgForward_PaddingCountsInTheDivisor()
    {
        var g = new Pool2dGeometry(1, 2, 2, 2, 2, 1, 1, 1, 1);
        var y = new double[9];
        Pooling.AvgPool2dForward<double>([4, 8, 12, 16], y, 1, in g);
        Assert.Equal(new double[] { 1, 3, 2, 4, 10, 6, 3, 7, 4 }, y);
    }

    [Fact]
    public void Kernels_SecondCall_AllocateNothing()
    {
        var g = new Pool2dGeometry(4, 9, 7, 3, 3, 2, 2, 1, 1);
        var x = new float[3 * g.InputImageLength];
        var y = new float[3 * g.OutputImageLength];
        var x64 = new double[x.Length];
        var y64 = new double[y.Length];
        void Run()
        {
            Pooling.MaxPool2dForward<float>(x, y, 3, in g);
            Pooling.MaxPool2dBackward<float>(y, x, y, x, 3, in g);
            Pooling.AvgPool2dForward<double>(x64, y64, 3, in g);
            Pooling.AvgPool2dBackward<double>(y64, x64, 3, in g);
        }
        Run();
        Assert.Equal(0, Allocations.SteadyState(() => Run()));
    }

    [Fact]
    public void Geometry_InvalidSizes_ThrowNamingTheProblem()
    {
        var padding = Assert.Throws<ArgumentException>(() => new Pool2dGeometry(1, 8, 8, 3, 3, 1, 1, 2, 2));
        Assert.Contains("half the kernel", padding.Message);
        var empty = Assert.Throws<ArgumentException>(() => new Pool2dGeometry(1, 2, 2, 3, 3, 1, 1, 0, 0));
        Assert.Contains("empty", empty.Message);
        Assert.Throws<ArgumentException>(() => new Pool2dGeometry(0, 2, 2, 1, 1, 1, 1, 0, 0));
    }

    [Fact]
    public void Layers_StrideZero_DefaultsToKernelSize()
    {
        var max = new MaxPool2d(2);
        var avg = new AvgPool2d(3, padding: 1);
        Assert.Equal((2, 2, 0), (max.KernelSize, max.Stride, max.Padding));
        Assert.Equal((3, 3, 1), (avg.KernelSize, avg.Stride, avg.Padding));
        Assert.Equal(new[] { 2, 3, 14, 14 }, max.Forward(Tensor.Zeros(2, 3, 28, 29)).Shape);
        Assert.Equal(new[] { 2, 3, 10, 10 }, avg.Forward(Tensor.Zeros(2, 3, 28, 28)).Shape);
        Assert.Equal(new[] { 1, 1, 3, 3 }, new MaxPool2d(3, stride: 2).Forward(Tensor.Zeros(1, 1, 7, 8)).Shape);
    }

    [Fact]
    public void Layers_HaveNoParameters()
    {
        ILayer[] layers = [new MaxPool2d(2), new AvgPool2d(2)];
        foreach (ILayer layer in layers)
        {
            Assert.Empty(layer.NamedParameters());
            layer.ResetParameters(new Rng(1));
        }
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(2, -1, 0)]
    [InlineData(2, 0, -1)]
    [InlineData(3, 0, 2)]
    public void Layers_InvalidArguments_ThrowOutOfRange(int kernel, int stride, int padding)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2d(kernel, stride, padding));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AvgPool2d(kernel, stride, padding));
    }

    [Fact]
    public void Layers_Forward_WrongRank_ThrowsNamingTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => new MaxPool2d(2).Forward(Tensor.Zeros(3, 8, 8)));
        Assert.Contains("[N, C, H, W]", error.Message);
        Assert.Contains("[3, 8, 8]", error.Message);
        Assert.Throws<ArgumentException>(() => new AvgPool2d(3).Forward(Tensor.Zeros(1, 1, 2, 2)));
    }

    [Fact]
    public void Layers_Float32_GradientsReachTheInput()
    {
        Tensor x = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (float)i).ToArray(), 1, 1, 4, 4);
        x.RequiresGrad = true;
        Ops.Sum(new MaxPool2d(2).Forward(x) + new AvgPool2d(2).Forward(x)).Backward();
        // Max picks the bottom-right cell of each 2×2 window; average spreads 1/4 everywhere.
        float[] expected = [.25f, .25f, .25f, .25f, .25f, 1.25f, .25f, 1.25f, .25f, .25f, .25f, .25f, .25f, 1.25f, .25f, 1.25f];
        Assert.Equal(expected, x.Grad!.ToArray());
    }

    /// <summary>Values spaced 0.01 apart in random order: no ties, and no finite-difference step reorders them.</summary>
    private static double[] DistinctValues(Rng rng, int count)
    {
        double[] values = Enumerable.Range(0, count).Select(i => (i - count / 2) * 0.01).ToArray();
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)(rng.NextDouble() * (i + 1));
            (values[i], values[j]) = (values[j], values[i]);
        }
        return values;
    }

    private static (double[] Max, double[] Avg) DirectPooling(double[] x, int batch, Pool2dGeometry g)
    {
        var max = new double[batch * g.OutputImageLength];
        var avg = new double[max.Length];
        int o = 0;
        for (int plane = 0; plane < batch * g.Channels; plane++)
        for (int i = 0; i < g.OutHeight; i++)
        for (int j = 0; j < g.OutWidth; j++, o++)
        {
            double best = double.NegativeInfinity, sum = 0;
            for (int p = 0; p < g.KernelHeight; p++)
            for (int q = 0; q < g.KernelWidth; q++)
            {
                int h = i * g.StrideHeight - g.PaddingHeight + p, w = j * g.StrideWidth - g.PaddingWidth + q;
                if (h < 0 || h >= g.InHeight || w < 0 || w >= g.InWidth) continue;
                double v = x[(plane * g.InHeight + h) * g.InWidth + w];
                best = Math.Max(best, v);
                sum += v;
            }
            max[o] = best;
            avg[o] = sum / (g.KernelHeight * g.KernelWidth);
        }
        return (max, avg);
    }
}
