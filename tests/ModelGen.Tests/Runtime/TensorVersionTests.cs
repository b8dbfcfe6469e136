using ModelGen.Kernels;
using ModelGen.Optim;
using Samples.Mnist;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Tensor.Version: every writable hand-out moves it, read-only views and copies do not.</summary>
public class TensorVersionTests
{
    [Fact]
    public void Version_WritableViews_Move()
    {
        var t = Tensor.Zeros(2, 3);
        long v = t.Version;
        t.AsSpan();
        Assert.True(t.Version > v);
        v = t.Version;
        t.MarkModified();
        Assert.True(t.Version > v);
        v = t.Version;
        t.CastInPlace(DType.Float64);
        Assert.True(t.Version > v);
        v = t.Version;
        t.AsSpanFloat64();
        Assert.True(t.Version > v);
    }

    [Fact]
    public void Version_ReadOnlyViewsAndCopies_StayPut()
    {
        var t = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        long v = t.Version;
        Assert.Equal(3f, t.AsReadOnlySpan()[2]);
        t.ToArray();
        t.ToArrayFloat64();
        _ = t.Shape;
        _ = t.ToString();
        Assert.Equal(v, t.Version);
        var labels = Tensor.FromArray([1, 2], 2);
        long labelVersion = labels.Version;
        Assert.Equal(2, labels.AsReadOnlySpanInt32()[1]);
        labels.ToArrayInt32();
        Assert.Equal(labelVersion, labels.Version);
    }

    [Fact]
    public void Version_DetachedTensor_SharesTheCounter()
    {
        var t = Tensor.Zeros(4);
        Tensor detached = t.Detach().Detach();
        long v = t.Version;
        detached.AsSpan()[0] = 5f; // the same storage: the original changed
        Assert.True(t.Version > v);
        Assert.Equal(t.Version, detached.Version);
        t.MarkModified();
        Assert.Equal(t.Version, detached.Version);
    }

    [Fact]
    public void Version_OptimizerStepInitializeAndMask_MoveTheWeight()
    {
        var model = new MnistMlp();
        model.Initialize(1);
        Parameter weight = model.Parameters()[0];
        long v = weight.Value.Version;
        weight.Grad.AsSpan().Fill(0.5f);
        new Sgd(model.Parameters(), lr: 0.1).Step();
        Assert.True(weight.Value.Version > v);

        v = weight.Value.Version;
        model.Initialize(2);
        Assert.True(weight.Value.Version > v);

        v = weight.Value.Version;
        weight.SetMask(Enumerable.Range(0, weight.Value.Length).Select(i => i % 2 == 0).ToArray());
        Assert.True(weight.Value.Version > v);
    }

    [Fact]
    public void Version_EagerForward_LeavesTheWeightAlone()
    {
        var model = new MnistMlp();
        model.Initialize(1);
        Tensor weight = model.Parameters()[0].Value;
        long v = weight.Version;
        model.Forward(Tensor.Zeros(2, 784));
        Assert.Equal(v, weight.Version);
    }

    [Fact]
    public void PackedWeight_Current_RepacksOnlyWhenTheVersionMoved()
    {
        var weight = Tensor.FromArray(Enumerable.Range(0, 6 * 5).Select(i => (float)i).ToArray(), 6, 5);
        var packed = new PackedWeight(weight, n: 6, k: 5, transB: true);
        Assert.Equal(0, packed.PackCount); // packed at the first Current, not when created
        packed.Current();
        Assert.Equal(1, packed.PackCount);
        weight.AsReadOnlySpan();
        packed.Current();
        Assert.Equal(1, packed.PackCount);
        weight.AsSpan()[3] = -1f;
        packed.Current();
        Assert.Equal(2, packed.PackCount);
        packed.Current();
        Assert.Equal(2, packed.PackCount);
    }

    [Fact]
    public void PackedWeight_WrongShape_Throws()
        => Assert.Throws<ArgumentException>(() => new PackedWeight(Tensor.Zeros(6, 5), n: 5, k: 6, transB: true));
}
