using System.Text;
using Xunit;

namespace ModelGen.Tests.Checkpoints;

/// <summary>The bytes against the specification, written out by hand, and a header as other writers shape it.</summary>
public class SafeTensorsGoldenTests
{
    [Fact]
    public void Serialize_TinyStateDict_MatchesHandWrittenBytes()
    {
        byte[] actual = SafeTensors.Serialize(
            [("a", Tensor.FromArray([1f, -2f], 2)), ("b", Int64Scalar(7))],
            new Dictionary<string, string> { ["k"] = "v" });

        // 132 bytes of JSON, padded with 4 spaces to 136 so that the data starts at 8 + 136 = 144, a multiple of 8.
        const string Header = """{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}    """;
        byte[] expected =
        [
            0x88, 0, 0, 0, 0, 0, 0, 0,                       // header length 136, u64 little-endian
            .. Encoding.ASCII.GetBytes(Header),
            0x00, 0x00, 0x80, 0x3F,                         // 1.0f
            0x00, 0x00, 0x00, 0xC0,                         // -2.0f
            0x07, 0, 0, 0, 0, 0, 0, 0,                      // 7L
        ];
        Assert.Equal(136, Header.Length);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Serialize_F16AndBF16_MatchHandWrittenBytes()
    {
        var values = Tensor.FromArray([1f, -2f], 2);
        byte[] half = SafeTensors.Serialize([("h", values)], options: new SafeTensorsWriteOptions { FloatDType = SafeTensorsDType.F16 });
        byte[] brain = SafeTensors.Serialize([("h", values)], options: new SafeTensorsWriteOptions { FloatDType = SafeTensorsDType.BF16 });

        Assert.Equal(new byte[] { 0x00, 0x3C, 0x00, 0xC0 }, half[^4..]);   // 1.0 = 0x3C00, -2.0 = 0xC000
        Assert.Equal(new byte[] { 0x80, 0x3F, 0x00, 0xC0 }, brain[^4..]);  // 1.0 = 0x3F80, -2.0 = 0xC000
        Assert.Contains("\"dtype\":\"F16\"", Encoding.ASCII.GetString(half));
        Assert.Contains("\"dtype\":\"BF16\"", Encoding.ASCII.GetString(brain));
    }

    [Fact]
    public void Parse_HeaderShapedLikeOtherWriters_ReadsEveryTensor()
    {
        // __metadata__ first, keys out of order inside entries, whitespace and newlines, the data in another order
        // than the header's, a field this version does not know, and no padding (the header length is not a multiple of 8).
        const string Header = """
            {
              "__metadata__" : { "format" : "pt" },
              "z.bias" : { "data_offsets" : [ 8, 12 ], "shape" : [ 2 ], "dtype" : "BF16" , "extra": {"ignored": [1, 2]}},
              "a.weight":{"shape":[2,1],"dtype":"F32","data_offsets":[0,8]},
              "count" : {"dtype":"I64", "shape":[ ], "data_offsets":[12,20]}
            }
            """;
        byte[] data =
        [
            0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0xBF, // a.weight: 3.0f, -1.0f
            0x40, 0x40, 0x80, 0x3F,                         // z.bias: bfloat16 3.0 (0x4040), 1.0 (0x3F80)
            0x2A, 0, 0, 0, 0, 0, 0, 0,                      // count: 42L
        ];

        var read = SafeTensors.Parse(Rebuild(Header, data), "python-style");

        Assert.NotEqual(0, System.Text.Encoding.UTF8.GetByteCount(Header) % 8);
        Assert.Equal(["z.bias", "a.weight", "count"], read.Tensors.Select(t => t.Name));
        Assert.Equal("pt", read.Metadata["format"]);
        Assert.Equal([3f, -1f], read["a.weight"].Value.ToArray());
        Assert.Equal([2, 1], read["a.weight"].Shape);
        Assert.Equal(SafeTensorsDType.BF16, read["z.bias"].StoredDType);
        Assert.Equal([3f, 1f], read["z.bias"].Value.ToArray());
        Assert.Equal(42L, read["count"].Value.ToArrayInt64()[0]);
        Assert.Empty(read["count"].Shape);
    }

    /// <summary>A rank-0 int64 tensor (FromArray with no shape makes rank 1).</summary>
    internal static Tensor Int64Scalar(long value)
    {
        var scalar = Tensor.Zeros(DType.Int64);
        scalar.AsSpanInt64()[0] = value;
        return scalar;
    }

    /// <summary>Header length, header, data: a file with exactly this header text.</summary>
    internal static byte[] Rebuild(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] length = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        return [.. length, .. json, .. data];
    }
}
