using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace ModelGen.Tests.Checkpoints;

/// <summary>
/// A corpus of broken files, each made from one valid file by one edit (a truncation, an edited header, a changed
/// length), and a fuzz test: the reader rejects every one with a <see cref="SafeTensorsFormatException"/> that
/// says what is wrong, and never fails any other way.
/// </summary>
public class SafeTensorsCorruptionTests
{
    private const string Valid =
        """{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[3],"data_offsets":[24,36]}}""";

    private static readonly byte[] Data = [.. Enumerable.Range(0, 36).Select(i => (byte)(i * 7))];

    private static byte[] File(string header, byte[]? data = null) => SafeTensorsGoldenTests.Rebuild(header, data ?? Data);

    private static byte[] Edit(string from, string to)
    {
        Assert.Contains(from, Valid); // each edit must change the valid header, or its case tests nothing
        return File(Valid.Replace(from, to));
    }

    private static byte[] WithLength(ulong length) { byte[] b = File(Valid); BinaryPrimitives.WriteUInt64LittleEndian(b, length); return b; }

    /// <summary>Kind of damage: the file, a phrase the message must contain, and the tensor it must name (null: none).</summary>
    private static readonly Dictionary<string, (Func<byte[]> Build, string Message, string? Tensor)> Corpus = new()
    {
        ["empty file"] = (() => [], "0 bytes long, too short", null),
        ["shorter than the length prefix"] = (() => File(Valid)[..7], "7 bytes long, too short", null),
        ["header length over the limit"] = (() => WithLength(100_000_001), "exceeds the limit of 100000000 bytes", null),
        ["header length near 2^64"] = (() => WithLength(ulong.MaxValue), "exceeds the limit", null),
        ["header length past the end"] = (() => WithLength(10_000), "header length 10000 runs past the end of the file", null),
        ["truncated inside the header"] = (() => File(Valid)[..60], "runs past the end of the file", null),
        ["header length zero"] = (() => WithLength(0), "must start with '{' but starts with nothing", null),
        ["header starts with a space"] = (() => File(" " + Valid[..^1]), "must start with '{' but starts with byte 0x20", null),
        ["header is an array"] = (() => File("[" + Valid[1..^1] + "]"), "must start with '{'", null),
        ["header not UTF-8"] = (() => { byte[] b = File(Valid); b[8 + Valid.IndexOf("pt", StringComparison.Ordinal)] = 0xFF; return b; }, "not valid UTF-8", null),
        ["header not JSON"] = (() => Edit("\"w\":{", "\"w\"{"), "not valid JSON", null),
        ["header truncated JSON"] = (() => File(Valid[..^2] + "  ", Data), "not valid JSON", null),
        ["text after the object"] = (() => File(Valid + "x"), "not valid JSON", null),
        ["lone surrogate in a name"] = (() => Edit("\"w\":", "\"\\ud800\":"), "not valid JSON", null),
        ["entry not an object"] = (() => Edit("{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}", "[24,36]"), "the entry must be a JSON object, not an array", "b"),
        ["entry missing dtype"] = (() => Edit("\"dtype\":\"F32\",\"shape\":[3]", "\"shape\":[3]"), "has no 'dtype'", "b"),
        ["entry missing shape"] = (() => Edit("\"shape\":[3],", ""), "has no 'shape'", "b"),
        ["entry missing data_offsets"] = (() => Edit(",\"data_offsets\":[24,36]", ""), "has no 'data_offsets'", "b"),
        ["dtype not a string"] = (() => Edit("\"dtype\":\"F32\",\"shape\":[3]", "\"dtype\":32,\"shape\":[3]"), "'dtype' must be a string, not a number", "b"),
        ["dtype twice"] = (() => Edit("\"shape\":[3]", "\"dtype\":\"F32\",\"shape\":[3]"), "has 'dtype' twice", "b"),
        ["unknown dtype"] = (() => Edit("\"dtype\":\"F32\",\"shape\":[3]", "\"dtype\":\"F33\",\"shape\":[3]"), "unknown dtype 'F33'", "b"),
        ["unsupported dtype"] = (() => Edit("\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]", "\"dtype\":\"BOOL\",\"shape\":[12],\"data_offsets\":[24,36]"), "unsupported dtype 'BOOL'", "b"),
        ["shape not an array"] = (() => Edit("\"shape\":[3]", "\"shape\":3"), "'shape' must be an array of integers, not a number", "b"),
        ["negative dimension"] = (() => Edit("[2,3]", "[-2,3]"), "dimension 0 must be a non-negative integer, not -2", "w"),
        ["fractional dimension"] = (() => Edit("[2,3]", "[2,3.5]"), "dimension 1 must be a non-negative integer, not 3.5", "w"),
        ["string dimension"] = (() => Edit("[2,3]", "[2,\"3\"]"), "must be a non-negative integer, not a string", "w"),
        ["element count overflows"] = (() => Edit("[2,3]", "[4294967296,4294967296]"), "element count of shape [4294967296, 4294967296] overflows", "w"),
        ["too many elements for a tensor"] = (() => Edit("[2,3]", "[65536,65536]"), "more elements than one tensor holds", "w"),
        ["offsets not two numbers"] = (() => Edit("[24,36]", "[24,36,48]"), "two non-negative integers; it has more", "b"),
        ["offsets negative"] = (() => Edit("[24,36]", "[-24,36]"), "two non-negative integers; element 0 is -24", "b"),
        ["offsets begin after end"] = (() => Edit("[24,36]", "[36,24]"), "data_offsets [36, 24] begin after they end", "b"),
        ["offsets past the data"] = (() => Edit("[24,36]", "[24,48]"), "end past the end of the data buffer (36 bytes)", "b"),
        ["data truncated"] = (() => File(Valid)[..^4], "end past the end of the data buffer (32 bytes)", "b"),
        ["byte count not shape times size"] = (() => Edit("\"shape\":[3]", "\"shape\":[2]"), "cover 12 bytes, but dtype F32 and shape [2] need 8", "b"),
        ["tensors overlap"] = (() => Edit("\"shape\":[3],\"data_offsets\":[24,36]", "\"shape\":[3],\"data_offsets\":[20,32]"), "overlap those of tensor 'w'", "b"),
        ["hole between tensors"] = (() => File(Valid.Replace("[24,36]", "[28,40]"), [.. Data, 0, 0, 0, 0]), "a hole of 4 bytes [24, 28)", "b"),
        ["trailing bytes"] = (() => File(Valid, [.. Data, 1, 2, 3, 4]), "4 bytes after the last tensor's data (from offset 36) belong to no tensor", null),
        ["duplicate tensor name"] = (() => Edit("\"b\":{", "\"w\":{"), "the name appears twice in the header", "w"),
        ["empty tensor name"] = (() => Edit("\"b\":{", "\"\":{"), "a tensor name must not be empty", ""),
        ["metadata value not a string"] = (() => Edit("{\"format\":\"pt\"}", "{\"format\":1}"), "__metadata__ value of 'format' must be a string, not a number", null),
        ["metadata not an object"] = (() => Edit("{\"format\":\"pt\"}", "[\"pt\"]"), "__metadata__ must be an object of strings, not an array", null),
        ["metadata key twice"] = (() => Edit("{\"format\":\"pt\"}", "{\"format\":\"pt\",\"format\":\"np\"}"), "__metadata__ key 'format' appears twice", null),
        ["metadata twice"] = (() => Edit("\"w\":{", "\"__metadata__\":{},\"w\":{"), "the name appears twice", "__metadata__"),
    };

    public static TheoryData<string> Kinds() => [.. Corpus.Keys];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Parse_CorruptFile_ThrowsNamingTheProblem(string kind)
    {
        var (build, message, tensor) = Corpus[kind];
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Parse(build(), "corpus"));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("corpus: ", error.Message);
        Assert.Equal(tensor, error.TensorName);
        if (tensor is not null) Assert.Contains($"tensor '{tensor}'", error.Message);
    }

    [Fact]
    public void Corpus_HasAtLeastTwentyKinds_AndTheBaseFileIsValid()
    {
        Assert.True(Corpus.Count >= 20);
        var file = SafeTensors.Parse(File(Valid));
        Assert.Equal(["w", "b"], file.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Read_TruncatedFileOnDisk_NamesThePath()
    {
        using var folder = new Data.TemporaryFolder();
        string path = folder.Combine("cut.safetensors");
        System.IO.File.WriteAllBytes(path, File(Valid)[..^1]);
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Read(path));
        Assert.StartsWith(path + ": tensor 'b'", error.Message);
    }

    [Fact]
    public void Parse_RandomlyDamagedFiles_SucceedOrThrowTheFormatException()
    {
        // A valid file with metadata, three dtypes, a scalar and an empty tensor; then 4000 damaged copies.
        byte[] valid = SafeTensors.Serialize(
            [("a.weight", Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2)), ("n", SafeTensorsGoldenTests.Int64Scalar(5)),
             ("e", Tensor.Zeros(0)), ("d", Tensor.FromArray([0.5, 1.5], 2))],
            new Dictionary<string, string> { ["format"] = "pt" },
            new SafeTensorsWriteOptions());
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        const string Significant = "{}[],:\"0123456789-.e \\";
        var random = new Random(1234);
        int accepted = 0, rejected = 0;
        for (int trial = 0; trial < 4000; trial++)
        {
            byte[] damaged = (byte[])valid.Clone();
            switch (trial % 4)
            {
                case 0: // flip bits anywhere
                    for (int k = random.Next(1, 4); k > 0; k--) damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // a JSON-significant character somewhere in the header
                    damaged[random.Next(8, headerEnd)] = (byte)Significant[random.Next(Significant.Length)];
                    break;
                case 2: // cut the file short
                    damaged = damaged[..random.Next(damaged.Length)];
                    break;
                default: // a random byte in the length prefix or the header
                    damaged[random.Next(headerEnd)] = (byte)random.Next(256);
                    break;
            }
            try
            {
                SafeTensors.Parse(damaged, "fuzz");
                accepted++;
            }
            catch (SafeTensorsFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial}: {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(rejected > 2000, $"only {rejected} of 4000 damaged files were rejected");
        Assert.True(accepted > 0, "no damaged file was accepted: flips in the data bytes should be");
    }
}
