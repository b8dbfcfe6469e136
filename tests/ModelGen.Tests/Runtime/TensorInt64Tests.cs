using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>DType.Int64: storage, copies, conversions and the refusals that keep it out of autograd.</summary>
public class TensorInt64Tests
{
    [Fact]
    public void FromArray_Int64_KeepsValuesShapeAndDType()
    {
        var t = Tensor.FromArray([long.MinValue, 0L, long.MaxValue, 5L], 2, 2);
        Assert.Equal(DType.Int64, t.DType);
        Assert.Equal([2, 2], t.Shape);
        Assert.Equal([long.MinValue, 0L, long.MaxValue, 5L], t.ToArrayInt64());
        Assert.Equal(8, DType.Int64.ElementSize());
        Assert.False(DType.Int64.IsFloatingPoint());
        Assert.Contains("Int64", t.ToString());
        Assert.Contains("9223372036854775807", t.ToString());
    }

    [Fact]
    public void AsSpanInt64_MovesVersion_ReadOnlyViewDoesNot()
    {
        var t = Tensor.Zeros(DType.Int64, 3);
        long v = t.Version;
        Assert.Equal(0L, t.AsReadOnlySpanInt64()[0]);
        Assert.Equal(v, t.Version);
        t.AsSpanInt64()[1] = 42;
        Assert.True(t.Version > v);
        Assert.Equal(42.0, t.ToArrayFloat64()[1]);
        Assert.Equal(42f, t.ToArray()[1]);
        Assert.Throws<InvalidOperationException>(() => t.AsSpanInt32());
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(3).AsSpanInt64());
    }

    [Fact]
    public void CastInPlace_BetweenInt64AndOtherDTypes_Converts()
    {
        var t = Tensor.FromArray([3, -4], 2);
        t.CastInPlace(DType.Int64);
        Assert.Equal([3L, -4L], t.ToArrayInt64());
        t.CastInPlace(DType.Float64);
        Assert.Equal([3.0, -4.0], t.ToArrayFloat64());
        t.CastInPlace(DType.Int64);
        t.CastInPlace(DType.Int32);
        Assert.Equal([3, -4], t.ToArrayInt32());
        Assert.Equal(3.0, Tensor.FromArray([3L], 1).ItemFloat64());
    }

    [Fact]
    public void CastInPlace_ToInt64WithGradient_Throws()
    {
        var t = Tensor.Zeros(2);
        t.RequiresGrad = true;
        var error = Assert.Throws<InvalidOperationException>(() => t.CastInPlace(DType.Int64));
        Assert.Contains("cannot become Int64", error.Message);
        Assert.Throws<ArgumentException>(() => new Parameter("p", Tensor.Zeros(DType.Int64, 2)));
    }
}
