using ModelGen.Data;
using Xunit;

namespace ModelGen.Tests.Data;

public sealed class IdxReaderTests
{
    // A 2×3 unsigned-byte array written out by hand: zero, zero, dtype 0x08, two dimensions, 2 and 3, six bytes.
    private static readonly byte[] HandBuilt = [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255];

    private static IdxArray Sample() => new([3, 2, 4], Enumerable.Range(0, 24).Select(i => (byte)(i * 11)).ToArray());

    [Fact]
    public void Parse_HandBuiltBytes_ReturnsShapeAndData()
    {
        IdxArray array = IdxReader.Parse(HandBuilt);

        Assert.Equal([2, 3], array.Shape);
        Assert.Equal([1, 2, 3, 4, 5, 255], array.Data);
        Assert.Equal(2, array.ItemCount);
        Assert.Equal(3, array.ItemSize);
    }

    [Fact]
    public void IdxWriter_Raw_WritesTheHandBuiltLayout()
    {
        var array = new IdxArray([2, 3], [1, 2, 3, 4, 5, 255]);

        Assert.Equal(HandBuilt, IdxWriter.ToBytes(array, compress: false));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_WrittenFile_RoundTrips(bool compress)
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine(compress ? "sample.idx.gz" : "sample.idx");
        IdxArray original = Sample();

        IdxWriter.Write(path, original, compress);

        Assert.Equal(compress, IdxReader.IsGzip(path));
        Assert.Equal(original, IdxReader.Read(path));
    }

    [Fact]
    public void Read_GzipFileWithoutGzExtension_DetectsCompressionByMagicBytes()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("t10k-labels-idx1-ubyte");
        IdxWriter.Write(path, Sample(), compress: true);

        Assert.Equal(Sample(), IdxReader.Read(path));
    }

    [Fact]
    public void Read_RawFileWithGzExtension_ReadsItRaw()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("mislabelled.gz");
        IdxWriter.Write(path, Sample(), compress: false);

        Assert.Equal(Sample(), IdxReader.Read(path));
    }

    [Fact]
    public void Read_NonSeekableGzipStream_RoundTrips()
    {
        byte[] compressed = IdxWriter.ToBytes(Sample(), compress: true);

        Assert.Equal(Sample(), IdxReader.Read(new ForwardOnlyStream(compressed), "network"));
    }

    [Fact]
    public void Read_EmptyArray_RoundTrips()
    {
        var empty = new IdxArray([0, 28, 28], []);

        Assert.Equal(empty, IdxReader.Parse(IdxWriter.ToBytes(empty, compress: true)));
    }

    public static TheoryData<string, byte[], string> MalformedFiles() => new()
    {
        { "empty", [], "truncated header: the file has 0 bytes" },
        { "bad magic", [1, 0, 0x08, 1, 0, 0, 0, 1, 7], "bad magic number 01 00 08 01" },
        { "int32 dtype", [0, 0, 0x0C, 1, 0, 0, 0, 1, 0, 0, 0, 7], "dtype 0x0C (int (int32)) is not supported" },
        { "unknown dtype", [0, 0, 0x42, 1, 0, 0, 0, 1, 7], "unknown dtype 0x42" },
        { "no dimensions", [0, 0, 0x08, 0], "the dimension count is 0" },
        { "truncated dimensions", [0, 0, 0x08, 2, 0, 0, 0, 1], "truncated header: 2 dimensions need 8 bytes after the magic number, found 4" },
        { "dimension too large", [0, 0, 0x08, 1, 0x80, 0, 0, 0], "dimension 0 is 2147483648, larger than" },
        { "overflowing dimensions", [0, 0, 0x08, 2, 0, 1, 0, 0, 0, 1, 0, 0], "dimensions [65536, 65536] hold more elements than" },
        { "truncated data", [0, 0, 0x08, 1, 0, 0, 0, 4, 1, 2, 3], "truncated data: dimensions [4] need 4 bytes after the header but the file has only 3" },
        { "extra data", [0, 0, 0x08, 1, 0, 0, 0, 2, 1, 2, 3], "data length mismatch: dimensions [2] hold 2 bytes but the file has 1 more" },
        { "corrupt gzip", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "corrupt or truncated gzip stream" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Parse_MalformedBytes_ThrowsNamingSourceAndProblem(string name, byte[] bytes, string problem)
    {
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Parse(bytes, name));

        Assert.StartsWith($"IDX file '{name}': ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Read_TruncatedGzipFile_ThrowsNamingFile()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("cut.gz");
        byte[] whole = IdxWriter.ToBytes(new IdxArray([4096], Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 >> 3)).ToArray()), compress: true);
        File.WriteAllBytes(path, whole[..(whole.Length / 2)]);

        var error = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Matches("truncated (data|or truncated gzip)", error.Message);
    }

    [Fact]
    public void IdxArray_ShapeDisagreesWithData_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new IdxArray([2, 3], new byte[5]));

        Assert.Contains("Shape [2, 3] needs 6 elements but the data holds 5", error.Message);
    }

    /// <summary>A stream that can only be read forward, like a network response.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
