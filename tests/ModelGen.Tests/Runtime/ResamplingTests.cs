using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>GlobalAvgPool, AdaptiveAvgPool2d and Upsample: PyTorch's values, gradients against finite differences, checks.</summary>
public class ResamplingTests
{
    [Fact]
    public void Upsample_Bilinear_MatchesPyTorchAlignCornersFalse()
    {
        // torch.nn.functional.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), scale_factor=2, mode="bilinear", align_corners=False)
        Tensor y = Ops.Upsample(Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 1, 1, 2, 2), 2, bilinear: true);
        Assert.Equal(new[] { 1, 1, 4, 4 }, y.Shape);
        Assert.Equal(new float[] { 1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4 }, y.ToArray());
    }

    [Fact]
    public void Upsample_Nearest_RepeatsEachPixel()
    {
        Tensor y = Ops.Upsample(Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 1, 1, 2, 3), 2);
        Assert.Equal(new[] { 1, 1, 4, 6 }, y.Shape);
        Assert.Equal(new float[] { 1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6 }, y.ToArray());
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void Upsample_Gradient_MatchesFiniteDifferences(int scale, bool bilinear)
    {
        Tensor x = GradCheck.Random(new Rng(11), -1, 1, 2, 3, 3, 5);
        GradCheck.Assert(() => Ops.Upsample(x, scale, bilinear), x);
    }

    [Fact]
    public void AdaptiveAvgPool2d_FiveToThree_UsesOverlappingPyTorchWindows()
    {
        Tensor x = Tensor.FromArray(Enumerable.Range(0, 25).Select(i => (float)i).ToArray(), 1, 1, 5, 5);
        float[] y = new AdaptiveAvgPool2d(3).Forward(x).ToArray();
        // Rows and columns [0, 2), [1, 4), [3, 5).
        Assert.Equal(3f, y[0]);
        Assert.Equal(12f, y[4]);
        Assert.Equal(21f, y[8]);
        Assert.Equal((1 + 2 + 3 + 6 + 7 + 8) / 6f, y[1]);
    }

    [Theory]
    [InlineData(5, 7, 3)]
    [InlineData(4, 4, 2)]
    [InlineData(3, 2, 4)]
    [InlineData(6, 5, 1)]
    public void AdaptiveAvgPool2d_Gradient_MatchesFiniteDifferences(int height, int width, int output)
    {
        Tensor x = GradCheck.Random(new Rng(12), -1, 1, 2, 3, height, width);
        var layer = new AdaptiveAvgPool2d(output);
        GradCheck.Assert(() => layer.Forward(x), x);
        Assert.Equal(new[] { 2, 3, output, output }, layer.Forward(x).Shape);
    }

    [Fact]
    public void GlobalAvgPool_MeansEachImage_AndGradientMatchesFiniteDifferences()
    {
        Tensor x = GradCheck.Random(new Rng(13), -1, 1, 3, 2, 5, 3);
        Tensor y = Ops.GlobalAvgPool(x);
        Assert.Equal(new[] { 3, 2 }, y.Shape);
        Assert.Equal(x.ToArrayFloat64().Take(15).Average(), y.ToArrayFloat64()[0], 12);
        GradCheck.Assert(() => Ops.GlobalAvgPool(x), x);
    }

    [Fact]
    public void Resampling_NotImages_ThrowNamingTheShape()
    {
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentException>(() => Ops.GlobalAvgPool(Tensor.Zeros(2, 3))).Message);
        Assert.Throws<ArgumentException>(() => Ops.Upsample(Tensor.Zeros(2, 3, 4), 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Upsample(Tensor.Zeros(1, 1, 2, 2), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveAvgPool2d(0));
    }

    [Fact]
    public void Kernels_Run_AllocateNothing()
    {
        var x = new double[2 * 5 * 7];
        var y = new double[2 * 10 * 14];
        var p = new double[2 * 3 * 3];
        void Run()
        {
            Resampling.UpsampleForward<double>(x, y, 2, 5, 7, 2, true);
            Resampling.UpsampleBackward<double>(y, x, 2, 5, 7, 2, true);
            Resampling.UpsampleForward<double>(x, y, 2, 5, 7, 2, false);
            Resampling.UpsampleBackward<double>(y, x, 2, 5, 7, 2, false);
            Resampling.AdaptiveAvgPool2dForward<double>(x, p, 2, 5, 7, 3, 3);
            Resampling.AdaptiveAvgPool2dBackward<double>(p, x, 2, 5, 7, 3, 3);
        }
        Run();
        Assert.Equal(0, Allocations.SteadyState(() => Run()));
    }
}
