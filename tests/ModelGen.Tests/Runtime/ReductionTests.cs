using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Sum, Mean and Max along one axis: values, shapes, gradients against finite differences, allocation.</summary>
public class ReductionTests
{
    public static TheoryData<int, bool> Axes => new()
    {
        { 0, false }, { 1, false }, { 2, false }, { -1, false }, { -3, true }, { 1, true }, { 2, true },
    };

    [Theory]
    [MemberData(nameof(Axes))]
    public void SumAxis_OddShape_MatchesFiniteDifferences(int axis, bool keepDims)
    {
        var x = GradCheck.Random(new Rng(31), -2, 2, 3, 5, 7);
        GradCheck.Assert(() => Ops.Sum(x, axis, keepDims), x);
    }

    [Theory]
    [MemberData(nameof(Axes))]
    public void MeanAxis_OddShape_MatchesFiniteDifferences(int axis, bool keepDims)
    {
        var x = GradCheck.Random(new Rng(32), -2, 2, 3, 5, 7);
        GradCheck.Assert(() => Ops.Mean(x, axis, keepDims), x);
    }

    [Theory]
    [MemberData(nameof(Axes))]
    public void MaxAxis_DistinctValues_MatchesFiniteDifferences(int axis, bool keepDims)
    {
        // Random doubles are distinct almost surely and far more than ε apart, so the maximum is a smooth choice.
        var x = GradCheck.Random(new Rng(33), -2, 2, 3, 5, 7);
        GradCheck.Assert(() => Ops.Max(x, axis, keepDims), x);
    }

    [Fact]
    public void Reductions_Values_MatchHandComputed()
    {
        var x = Tensor.FromArray(new float[] { 1, 5, 3, 4, 2, 6 }, 2, 3);
        Assert.Equal(new float[] { 9, 12 }, Ops.Sum(x, 1).ToArray());
        Assert.Equal(new float[] { 5, 7, 9 }, Ops.Sum(x, 0).ToArray());
        Assert.Equal(new float[] { 3, 4 }, Ops.Mean(x, -1).ToArray());
        Assert.Equal(new float[] { 5, 6 }, Ops.Max(x, 1).ToArray());
        Assert.Equal(new float[] { 4, 5, 6 }, Ops.Max(x, 0).ToArray());
        Assert.Equal(new[] { 2 }, Ops.Sum(x, 1).Shape);
        Assert.Equal(new[] { 2, 1 }, Ops.Sum(x, 1, keepDims: true).Shape);
        Assert.Equal(new[] { 1, 3 }, Ops.Max(x, 0, keepDims: true).Shape);
        Assert.Equal(0, Ops.Sum(Ops.Sum(x, 1), 0).Rank);
        Assert.Equal(21f, Ops.Sum(x).Item());
        Assert.Equal(3.5f, Ops.Mean(x).Item());
    }

    [Fact]
    public void Max_Ties_GradientGoesToTheFirstMaximum()
    {
        var x = Tensor.FromArray(new double[] { 2, 7, 7, 1, 3, 3 }, 2, 3);
        x.RequiresGrad = true;
        Ops.Sum(Ops.Max(x, 1)).Backward();
        Assert.Equal(new double[] { 0, 1, 0, 0, 1, 0 }, x.Grad!.ToArrayFloat64());
    }

    [Fact]
    public void Max_NaN_PropagatesAndTakesTheGradient()
    {
        var x = Tensor.FromArray(new double[] { 1, double.NaN, 5 }, 1, 3);
        x.RequiresGrad = true;
        Tensor y = Ops.Max(x, 1);
        Assert.True(double.IsNaN(y.ToArrayFloat64()[0]));
        Ops.Sum(y).Backward();
        Assert.Equal(new double[] { 0, 1, 0 }, x.Grad!.ToArrayFloat64());
    }

    [Fact]
    public void AxisOutOfRange_Throws()
    {
        var x = Tensor.Zeros(2, 3);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Sum(x, 2));
        Assert.Contains("valid axes are -2 to 1", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.Max(x, -3));
    }

    [Fact]
    public void Kernels_SecondCall_AllocateNothing()
    {
        var x = new float[3 * 5 * 7];
        var y = new float[3 * 7];
        var x64 = new double[x.Length];
        var y64 = new double[y.Length];
        void Run()
        {
            Reductions.SumAxis<float>(x, y, 3, 5, 7);
            Reductions.MeanAxis<float>(x, y, 3, 5, 7);
            Reductions.MaxAxis<float>(x, y, 3, 5, 7);
            Reductions.SumAxisBackward<float>(y, x, 3, 5, 7, 0.5f);
            Reductions.MaxAxisBackward<float>(y, x, y, x, 3, 5, 7);
            Reductions.MaxAxis<double>(x64, y64.AsSpan(0, 15), 15, 7, 1);
            Reductions.SumAxis<double>(x64, y64.AsSpan(0, 15), 15, 7, 1);
        }
        Run();
        Assert.Equal(0, Allocations.SteadyState(() => Run()));
    }
}
