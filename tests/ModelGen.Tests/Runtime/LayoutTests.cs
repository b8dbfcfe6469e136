using ModelGen;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Flatten and Reshape: shapes, element order, gradients and argument checks.</summary>
public class LayoutTests
{
    [Fact]
    public void Flatten_Rank4_JoinsAllButTheFirstAxisInOrder()
    {
        float[] values = Enumerable.Range(0, 24).Select(i => (float)i).ToArray();
        Tensor y = Ops.Flatten(Tensor.FromArray(values, 2, 3, 2, 2));
        Assert.Equal(new[] { 2, 12 }, y.Shape);
        Assert.Equal(values, y.ToArray());
        Assert.Equal(new[] { 0, 6 }, Ops.Flatten(Tensor.Zeros(0, 2, 3)).Shape);
    }

    [Fact]
    public void Flatten_Gradient_MatchesFiniteDifferences()
    {
        Tensor x = GradCheck.Random(new Rng(1), -1, 1, 3, 2, 3, 2);
        GradCheck.Assert(() => Ops.Flatten(x), x);
        Assert.Equal(x.Shape, Gradient(x, Ops.Flatten).Shape);
    }

    [Fact]
    public void Reshape_InferredDimension_KeepsElementOrder()
    {
        Tensor x = Tensor.FromArray(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), 3, 4);
        Tensor y = Ops.Reshape(x, 2, -1, 3);
        Assert.Equal(new[] { 2, 2, 3 }, y.Shape);
        Assert.Equal(x.ToArrayFloat64(), y.ToArrayFloat64());
        Assert.Equal(new[] { 12 }, Ops.Reshape(x, -1).Shape);
        Assert.Equal(new[] { 2, 3 }, Ops.Reshape(Tensor.FromArray(new[] { 1, 2, 3, 4, 5, 6 }, 6), 2, 3).Shape);
    }

    [Fact]
    public void Reshape_Gradient_MatchesFiniteDifferences()
    {
        Tensor x = GradCheck.Random(new Rng(2), -1, 1, 2, 6);
        GradCheck.Assert(() => Ops.Reshape(x, 3, -1, 2), x);
        Assert.Equal(new[] { 2, 6 }, Gradient(x, t => Ops.Reshape(t, 4, 3)).Shape);
    }

    [Fact]
    public void Reshape_InvalidShapes_ThrowNamingBothShapes()
    {
        Tensor x = Tensor.Zeros(2, 6);
        var count = Assert.Throws<ArgumentException>(() => Ops.Reshape(x, 5, 2));
        Assert.Contains("[5, 2]", count.Message);
        Assert.Contains("[2, 6]", count.Message);
        Assert.Throws<ArgumentException>(() => Ops.Reshape(x, -1, -1));
        Assert.Throws<ArgumentException>(() => Ops.Reshape(x, 5, -1));
        Assert.Throws<ArgumentException>(() => Ops.Reshape(x, -2, 6));
        Assert.Throws<ArgumentException>(() => Ops.Reshape(Tensor.Zeros(0, 3), 0, -1));
    }

    [Fact]
    public void Flatten_Rank1_ThrowsNamingTheShape()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.Flatten(Tensor.Zeros(5)));
        Assert.Contains("[5]", error.Message);
    }

    [Fact]
    public void Flatten_AfterConvAndPool_FeedsLinear()
    {
        var conv = new Conv2d(1, 4, 3, padding: 1);
        var pool = new MaxPool2d(2);
        var linear = new Linear(4 * 4 * 4, 10);
        Tensor x = Tensor.Zeros(5, 1, 8, 8);
        Tensor logits = linear.Forward(Ops.Flatten(pool.Forward(Ops.Relu(conv.Forward(x)))));
        Assert.Equal(new[] { 5, 10 }, logits.Shape);
        Ops.Mean(logits).Backward();
        Assert.NotNull(conv.Weight.Grad);
    }

    private static Tensor Gradient(Tensor x, Func<Tensor, Tensor> op)
    {
        x.Grad = null;
        Ops.Sum(op(x)).Backward();
        Tensor grad = x.Grad!;
        x.Grad = null;
        return grad;
    }
}
