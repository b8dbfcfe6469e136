using Xunit;

namespace ModelGen.Tests.Checkpoints;

/// <summary>Write then read: every dtype, the conversions on request, metadata, odd shapes, the write-side checks.</summary>
public class SafeTensorsRoundTripTests
{
    private static SafeTensorsFile RoundTrip(IEnumerable<(string, Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null,
        SafeTensorsWriteOptions? options = null) => SafeTensors.Parse(SafeTensors.Serialize(tensors, metadata, options));

    [Fact]
    public void RoundTrip_EveryNativeDType_KeepsValuesShapesAndOrder()
    {
        var f32 = Tensor.FromArray([1.5f, -0f, float.MaxValue, float.Epsilon, float.NaN, float.NegativeInfinity], 2, 3);
        var f64 = Tensor.FromArray([Math.PI, -1e300, double.Epsilon, 0.1], 4, 1);
        var i32 = Tensor.FromArray([int.MinValue, -1, 0, int.MaxValue], 2, 2);
        var i64 = Tensor.FromArray([long.MinValue, -1L, (1L << 53) + 1, long.MaxValue], 4);

        var file = RoundTrip([("z.f32", f32), ("a.f64", f64), ("m.i32", i32), ("b.i64", i64)]);

        Assert.Equal(["z.f32", "a.f64", "m.i32", "b.i64"], file.Tensors.Select(t => t.Name));
        Assert.Equal([SafeTensorsDType.F32, SafeTensorsDType.F64, SafeTensorsDType.I32, SafeTensorsDType.I64], file.Tensors.Select(t => t.StoredDType));
        Assert.Equal([DType.Float32, DType.Float64, DType.Int32, DType.Int64], file.Tensors.Select(t => t.Value.DType));
        Assert.Equal([2, 3], file["z.f32"].Shape);
        Assert.Equal([4, 1], file["a.f64"].Shape);
        // Bit patterns, so that -0 and NaN count.
        Assert.Equal(f32.ToArray().Select(BitConverter.SingleToInt32Bits), file["z.f32"].Value.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(f64.ToArrayFloat64(), file["a.f64"].Value.ToArrayFloat64());
        Assert.Equal(i32.ToArrayInt32(), file["m.i32"].Value.ToArrayInt32());
        Assert.Equal(i64.ToArrayInt64(), file["b.i64"].Value.ToArrayInt64());
    }

    [Fact]
    public void RoundTrip_F16OnRequest_StoresHalvesAndReadsFloat32()
    {
        // Values a half holds exactly come back exactly; others round to the nearest half.
        var values = Tensor.FromArray([1f, -0.5f, 65504f, 6.1035156e-05f, 0.1f, 1e6f], 6);
        byte[] bytes = SafeTensors.Serialize([("h", values)], options: new SafeTensorsWriteOptions { FloatDType = SafeTensorsDType.F16 });
        var file = SafeTensors.Parse(bytes);

        Assert.Equal(SafeTensorsDType.F16, file["h"].StoredDType);
        Assert.Equal(DType.Float32, file["h"].Value.DType);
        Assert.Equal([1f, -0.5f, 65504f, 6.1035156e-05f, (float)(Half)0.1f, float.PositiveInfinity], file["h"].Value.ToArray());
        Assert.Equal(8 + (long)BitConverter.ToUInt64(bytes, 0) + 6 * 2, bytes.Length); // two bytes an element
    }

    [Fact]
    public void RoundTrip_BF16OnRequest_RoundsToNearestEven()
    {
        float[] values =
        [
            1f,
            BitConverter.Int32BitsToSingle(0x3F808000), // exactly halfway between 0x3F80 and 0x3F81: ties to even, down
            BitConverter.Int32BitsToSingle(0x3F818000), // halfway between 0x3F81 and 0x3F82: ties to even, up
            BitConverter.Int32BitsToSingle(0x3F808001), // just above halfway: up
            BitConverter.Int32BitsToSingle(0x7F7FFFFF), // float.MaxValue rounds past the largest bfloat16: infinity
            -3.140625f,                                  // exact in bfloat16
        ];
        var file = RoundTrip([("b", Tensor.FromArray(values, 6))], options: new SafeTensorsWriteOptions { FloatDType = SafeTensorsDType.BF16 });

        Assert.Equal(SafeTensorsDType.BF16, file["b"].StoredDType);
        Assert.Equal([0x3F80, 0x3F80, 0x3F82, 0x3F81, 0x7F80, 0xC049], file["b"].Value.ToArray().Select(f => BitConverter.SingleToInt32Bits(f) >> 16 & 0xFFFF));
    }

    [Fact]
    public void BFloat16_NaN_StaysNaN()
    {
        // A NaN whose payload sits only in the low bits would round to infinity without the special case.
        float nan = BitConverter.Int32BitsToSingle(0x7F800001);
        Assert.True(float.IsNaN(BFloat16.ToSingle(BFloat16.FromSingle(nan))));
        Assert.True(float.IsNaN(BFloat16.ToSingle(BFloat16.FromSingle(-float.NaN))));
    }

    [Fact]
    public void RoundTrip_Float64AsF32OrF16_ConvertsFloatsAndLeavesIntegers()
    {
        var f64 = Tensor.FromArray([0.1, 2.0], 2);
        var labels = Tensor.FromArray([3, 4], 2);
        var asF32 = RoundTrip([("x", f64), ("y", labels)], options: new SafeTensorsWriteOptions { FloatDType = SafeTensorsDType.F32 });
        var asF16 = RoundTrip([("x", f64)], options: new SafeTensorsWriteOptions { FloatDType = SafeTensorsDType.F16 });

        Assert.Equal(SafeTensorsDType.F32, asF32["x"].StoredDType);
        Assert.Equal([0.1f, 2f], asF32["x"].Value.ToArray());
        Assert.Equal(SafeTensorsDType.I32, asF32["y"].StoredDType);
        Assert.Equal([3, 4], asF32["y"].Value.ToArrayInt32());
        Assert.Equal([(float)(Half)0.1, 2f], asF16["x"].Value.ToArray());
    }

    [Theory]
    [InlineData(SafeTensorsDType.F32)]
    [InlineData(SafeTensorsDType.F64)]
    [InlineData(SafeTensorsDType.F16)]
    [InlineData(SafeTensorsDType.BF16)]
    public void RoundTrip_TensorLargerThanOneChunk_ConvertsEveryElement(SafeTensorsDType stored)
    {
        // 70,007 elements span several 64 KiB chunks in every element size, and end inside one.
        var random = new Random(5);
        float[] values = [.. Enumerable.Range(0, 7 * 10_001).Select(_ => (float)(random.NextDouble() * 200 - 100))];
        var file = RoundTrip([("big", Tensor.FromArray(values, 7, 10_001))],
            options: new SafeTensorsWriteOptions { FloatDType = stored });

        float[] expected = stored switch
        {
            SafeTensorsDType.F16 => [.. values.Select(v => (float)(Half)v)],
            SafeTensorsDType.BF16 => [.. values.Select(v => BFloat16.ToSingle(BFloat16.FromSingle(v)))],
            _ => values,
        };
        Assert.Equal(stored, file["big"].StoredDType);
        Assert.Equal(expected, file["big"].Value.ToArray());
    }

    [Fact]
    public void RoundTrip_ScalarsEmptyTensorsAndMetadata_Survive()
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode \"quoted\" \\ and\nnewline" };
        var file = RoundTrip([("scalar", Tensor.Scalar(2.5f)), ("empty", Tensor.Zeros(0, 3)), ("after", Tensor.FromArray([7L], 1))], metadata);

        Assert.Empty(file["scalar"].Shape);
        Assert.Equal(2.5f, file["scalar"].Value.Item());
        Assert.Equal([0, 3], file["empty"].Shape);
        Assert.Equal([7L], file["after"].Value.ToArrayInt64());
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(["format", "note"], file.Metadata.Keys);
    }

    [Fact]
    public void RoundTrip_NoTensors_IsAValidFile()
    {
        var file = RoundTrip([]);
        Assert.Empty(file.Tensors);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Write_HeaderLength_AlignsDataToEightBytes()
    {
        foreach (string name in new[] { "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh" })
        {
            byte[] bytes = SafeTensors.Serialize([(name, Tensor.FromArray([1.0], 1))]);
            ulong headerLength = BitConverter.ToUInt64(bytes, 0);
            Assert.Equal(0UL, (8 + headerLength) % 8);
            Assert.Equal((long)headerLength + 16, bytes.Length);
        }
    }

    [Fact]
    public void Read_StreamAndNonSeekableStream_MatchParse()
    {
        byte[] bytes = SafeTensors.Serialize([("w", Tensor.FromArray([1f, 2f], 2))]);
        var fromStream = SafeTensors.Read(new MemoryStream(bytes), "memory");
        var fromPipe = SafeTensors.Read(new NonSeekableStream(bytes), "pipe");
        Assert.Equal([1f, 2f], fromStream["w"].Value.ToArray());
        Assert.Equal([1f, 2f], fromPipe["w"].Value.ToArray());
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("__metadata__", "reserved")]
    public void Write_BadName_Throws(string name, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => SafeTensors.Serialize([(name, Tensor.Scalar(1f))]));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Write_RepeatedName_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => SafeTensors.Serialize([("w", Tensor.Scalar(1f)), ("w", Tensor.Scalar(2f))]));
        Assert.Contains("'w' appears twice", error.Message);
    }

    [Fact]
    public void Write_IntegerFloatDType_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            SafeTensors.Serialize([("w", Tensor.Scalar(1f))], options: new SafeTensorsWriteOptions { FloatDType = SafeTensorsDType.I32 }));
        Assert.Contains("FloatDType", error.Message);
    }

    [Fact]
    public void StateDictHelpers_SaveAndLoad_KeepOrderAndMetadata()
    {
        using var folder = new Data.TemporaryFolder();
        string path = folder.Combine("adam.safetensors");
        var state = new OrderedDictionary<string, Tensor> { ["step"] = Tensor.FromArray([12L], 1), ["exp_avg.0"] = Tensor.FromArray([0.5f, 0.25f], 2) };

        Checkpoint.SaveStateDict(path, state, new Dictionary<string, string> { ["optimizer"] = "Adam" });
        var loaded = Checkpoint.LoadStateDict(path, out var metadata);

        Assert.Equal(["step", "exp_avg.0"], loaded.Keys);
        Assert.Equal([12L], loaded["step"].ToArrayInt64());
        Assert.Equal([0.5f, 0.25f], loaded["exp_avg.0"].ToArray());
        Assert.Equal("Adam", metadata["optimizer"]);
        Assert.Equal(["step", "exp_avg.0"], Checkpoint.LoadStateDict(path).Keys);
    }

    /// <summary>A stream that cannot seek, as a pipe or a network stream.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
