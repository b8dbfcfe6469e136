using System.Globalization;
using ModelGen;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Tensor storage, factories and inspection.</summary>
public class TensorTests
{
    [Fact]
    public void FromArray_CopiesValuesAndShape()
    {
        var values = new[] { 1f, 2f, 3f, 4f, 5f, 6f };
        int[] shape = [2, 3];
        var t = Tensor.FromArray(values, shape);
        values[0] = 100;
        shape[0] = 100;
        Assert.Equal(new[] { 2, 3 }, t.Shape);
        Assert.Equal(1f, t.AsSpan()[0]);
        Assert.Equal(2, t.Rank);
        Assert.Equal(3, t.Size(1));
        Assert.Equal(3, t.Size(-1));
        Assert.Equal(6, t.Length);
    }

    [Fact]
    public void FromArray_NoShape_IsOneDimensional()
    {
        Assert.Equal(new[] { 3 }, Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }).Shape);
    }

    [Fact]
    public void FromArray_ValuesDoNotFillShape_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 1f, 2f, 3f }, 2, 2));
        Assert.Contains("[2, 2]", error.Message);
    }

    [Fact]
    public void Shape_ChangedByCaller_LeavesTensorUnchanged()
    {
        var t = Tensor.Zeros(2, 3);
        t.Shape[0] = 7;
        Assert.Equal(new[] { 2, 3 }, t.Shape);
    }

    [Fact]
    public void Factories_ScalarAndZeros_HaveExpectedDTypeAndShape()
    {
        var s = Tensor.Scalar(2.5f);
        Assert.Empty(s.Shape);
        Assert.Equal(1, s.Length);
        Assert.Equal(2.5f, s.Item());
        Assert.Equal(DType.Float32, Tensor.Zeros(2).DType);
        var z = Tensor.Zeros(DType.Float64, 2, 2);
        Assert.Equal(DType.Float64, z.DType);
        Assert.Equal(DType.Float64, Tensor.ZerosLike(z).DType);
        Assert.Equal(new[] { 2, 2 }, Tensor.ZerosLike(z).Shape);
        Assert.Equal(DType.Int32, Tensor.FromArray(new[] { 1, 2 }).DType);
    }

    [Fact]
    public void AsSpan_WrongDType_Throws()
    {
        var t = Tensor.Zeros(DType.Float64, 2);
        Assert.Throws<InvalidOperationException>(() => t.AsSpan());
        Assert.Throws<InvalidOperationException>(() => t.AsSpanInt32());
        Assert.Equal(2, t.AsSpanFloat64().Length);
    }

    [Fact]
    public void Item_ManyElements_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2).Item());
    }

    [Fact]
    public void CreateBuffer_SetLeadingDim_ReusesStorageUpToCapacity()
    {
        var buffer = Tensor.CreateBuffer(DType.Float32, 8 * 3, 8, 3);
        buffer.AsSpan().Fill(1f);
        buffer.SetLeadingDim(2);
        Assert.Equal(new[] { 2, 3 }, buffer.Shape);
        Assert.Equal(6, buffer.Length);
        Assert.Equal(6, buffer.AsSpan().Length);
        Assert.Equal(6, buffer.ToArray().Length);
        buffer.SetLeadingDim(8);
        Assert.All(buffer.ToArray(), v => Assert.Equal(1f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.SetLeadingDim(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.CreateBuffer(DType.Float32, 5, 2, 3));
        Assert.Throws<InvalidOperationException>(() => Tensor.Scalar(1f).SetLeadingDim(1));
    }

    [Fact]
    public void Buffer_WithSpareCapacity_OpsUseLogicalLengthOnly()
    {
        var buffer = Tensor.CreateBuffer(DType.Float32, 12, 4, 3);
        buffer.AsSpan().Fill(2f);
        buffer.SetLeadingDim(1);
        Assert.Equal(6f, Ops.Sum(buffer).Item());
        Assert.Equal(new[] { 1, 3 }, (buffer * buffer).Shape);
    }

    [Fact]
    public void CastInPlace_WithGradient_CastsBoth()
    {
        var t = Tensor.FromArray(new[] { 1.5f, -2f });
        t.RequiresGrad = true;
        Ops.Sum(t * t).Backward();
        t.CastInPlace(DType.Float64);
        Assert.Equal(DType.Float64, t.DType);
        Assert.Equal(DType.Float64, t.Grad!.DType);
        Assert.Equal(new[] { 1.5, -2.0 }, t.ToArrayFloat64());
        Assert.Equal(new[] { 3.0, -4.0 }, t.Grad.ToArrayFloat64());
        t.CastInPlace(DType.Float32);
        Assert.Equal(new[] { 1.5f, -2f }, t.ToArray());
        Assert.Throws<InvalidOperationException>(() => t.CastInPlace(DType.Int32));
    }

    [Fact]
    public void ToString_AnyCulture_UsesInvariantFormat()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // The repository runs in invariant-globalization mode, so make a culture that formats like de-DE.
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            comma.NumberFormat.NumberGroupSeparator = ".";
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("0,5", 0.5f.ToString());
            var text = Tensor.FromArray(new[] { 0.5f, -1.25f, 3f }, 3, 1).ToString();
            Assert.Contains("[3, 1]", text);
            Assert.Contains("Float32", text);
            Assert.Contains("0.5, -1.25, 3", text);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void ToString_LongTensor_ShowsAFewValues()
    {
        var text = Tensor.Zeros(DType.Float64, 100).ToString();
        Assert.Contains("100 values", text);
        Assert.True(text.Length < 200);
    }

    [Fact]
    public void Parameter_Grad_IsAllocatedOnFirstReadAndShared()
    {
        var value = Tensor.Zeros(DType.Float64, 2, 3);
        var parameter = new Parameter("w", value);
        Assert.True(value.RequiresGrad);
        Assert.Null(value.Grad);
        Tensor grad = parameter.Grad;
        Assert.Same(grad, value.Grad);
        Assert.Equal(DType.Float64, grad.DType);
        Assert.Equal(new[] { 2, 3 }, grad.Shape);
    }
}
