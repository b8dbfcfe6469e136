using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Permute, Transpose, Concat and Slice: values, gradients against finite differences, argument checks, no kernel allocation.</summary>
public class LayoutOpsTests
{
    private static Tensor Range(params int[] shape)
    {
        int count = shape.Aggregate(1, (p, d) => p * d);
        return Tensor.FromArray(Enumerable.Range(0, count).Select(i => (double)i).ToArray(), shape);
    }

    [Fact]
    public void Permute_Rank3_MovesElementsAsIndexed()
    {
        Tensor x = Range(2, 3, 4);
        Tensor y = Ops.Permute(x, 2, 0, 1);
        Assert.Equal(new[] { 4, 2, 3 }, y.Shape);
        double[] values = y.ToArrayFloat64();
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 2; b++)
                for (int c = 0; c < 3; c++)
                    Assert.Equal(b * 12 + c * 4 + a, values[(a * 2 + b) * 3 + c]);
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2 })]
    [InlineData(new[] { 0, 2, 1 })]
    [InlineData(new[] { 2, 0, 1 })]
    [InlineData(new[] { 1, 2, 0 })]
    public void Permute_Gradient_MatchesFiniteDifferences(int[] dims)
    {
        Tensor x = GradCheck.Random(new Rng(3), -1, 1, 3, 5, 2);
        GradCheck.Assert(() => Ops.Permute(x, dims), x);
    }

    [Fact]
    public void Permute_Rank4_GradientMatchesFiniteDifferences()
    {
        Tensor x = GradCheck.Random(new Rng(4), -1, 1, 2, 3, 1, 5);
        GradCheck.Assert(() => Ops.Permute(x, 0, 3, 1, 2), x);
    }

    [Fact]
    public void Transpose_NegativeAxes_SwapsTheLastTwo()
    {
        Tensor x = Range(2, 3, 5);
        Assert.Equal(Ops.Permute(x, 0, 2, 1).ToArrayFloat64(), Ops.Transpose(x, -1, 1).ToArrayFloat64());
        Tensor g = GradCheck.Random(new Rng(5), -1, 1, 3, 2, 5);
        GradCheck.Assert(() => Ops.Transpose(g, 0, 2), g);
    }

    [Fact]
    public void Permute_InvalidDims_ThrowNamingTheShape()
    {
        Tensor x = Tensor.Zeros(2, 3);
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentException>(() => Ops.Permute(x, 0, 0)).Message);
        Assert.Throws<ArgumentException>(() => Ops.Permute(x, 0, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Transpose(x, 0, 2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    public void Concat_Gradient_MatchesFiniteDifferencesForBothInputs(int axis)
    {
        int k = axis < 0 ? axis + 3 : axis;
        int[] aShape = [3, 2, 5], bShape = [3, 2, 5];
        bShape[k] = k == 1 ? 3 : 1;
        Tensor a = GradCheck.Random(new Rng(6), -1, 1, aShape), b = GradCheck.Random(new Rng(7), -1, 1, bShape);
        GradCheck.Assert(() => Ops.Concat(a, b, axis), a, b);
    }

    [Fact]
    public void Concat_Axis1_PutsTheFirstTensorFirst()
    {
        Tensor a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2), b = Tensor.FromArray(new float[] { 9, 8 }, 2, 1);
        Tensor y = Ops.Concat(a, b, 1);
        Assert.Equal(new[] { 2, 3 }, y.Shape);
        Assert.Equal(new float[] { 1, 2, 9, 3, 4, 8 }, y.ToArray());
    }

    [Fact]
    public void Concat_OnlyOneInputNeedsGradient_LeavesTheOtherWithout()
    {
        Tensor a = GradCheck.Random(new Rng(8), -1, 1, 2, 3);
        Tensor b = Tensor.Zeros(DType.Float64, 2, 4);
        Ops.Sum(Ops.Concat(a, b, 1)).Backward();
        Assert.Equal(Enumerable.Repeat(1.0, 6), a.Grad!.ToArrayFloat64());
        Assert.Null(b.Grad);
    }

    [Fact]
    public void Concat_OtherAxisDiffers_ThrowsNamingBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.Concat(Tensor.Zeros(2, 6, 4), Tensor.Zeros(2, 6, 3), 1));
        Assert.Contains("[2, 6, 4]", error.Message);
        Assert.Contains("[2, 6, 3]", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Concat(Tensor.Zeros(2, 3), Tensor.Zeros(DType.Float64, 2, 3), 1));
    }

    [Theory]
    [InlineData(0, 1, 2)]
    [InlineData(1, 0, 3)]
    [InlineData(2, 2, 3)]
    [InlineData(-2, 4, 1)]
    public void Slice_Gradient_MatchesFiniteDifferences(int axis, int start, int length)
    {
        Tensor x = GradCheck.Random(new Rng(9), -1, 1, 3, 5, 5);
        GradCheck.Assert(() => Ops.Slice(x, axis, start, length), x);
    }

    [Fact]
    public void Slice_Axis1_TakesTheRange()
    {
        Tensor y = Ops.Slice(Range(2, 4), 1, 1, 2);
        Assert.Equal(new[] { 2, 2 }, y.Shape);
        Assert.Equal(new double[] { 1, 2, 5, 6 }, y.ToArrayFloat64());
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Slice(Range(2, 4), 1, 3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Slice(Range(2, 4), 2, 0, 1));
    }

    [Fact]
    public void Kernels_Run_AllocateNothing()
    {
        var x = new float[2 * 3 * 5];
        var y = new float[2 * 3 * 5];
        var c = new float[2 * 3 * 8];
        var b = new float[2 * 3 * 3];
        void Run()
        {
            Layout.Permute<float>(x, stackalloc int[] { 2, 3, 5 }, stackalloc int[] { 0, 2, 1 }, y);
            Layout.PermuteBackward<float>(y, stackalloc int[] { 2, 3, 5 }, stackalloc int[] { 0, 2, 1 }, x);
            Layout.Concat<float>(x, b, 6, 5, 3, 1, c);
            Layout.Slice<float>(c, 6, 8, 1, 5, 3, b);
            Layout.SliceBackward<float>(b, 6, 8, 1, 5, 3, c);
        }
        Run();
        Assert.Equal(0, Allocations.SteadyState(() => Run()));
    }
}
