using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace ModelGen.Data;

/// <summary>
/// Reads IDX files, the format of the MNIST distribution (http://yann.lecun.com/exdb/mnist/): two zero bytes, a dtype
/// byte, the number of dimensions, each dimension as a big-endian int32, then the elements in row-major order.
/// Files may be gzip-compressed; compression is detected from the content (the gzip magic bytes 1F 8B), so a
/// compressed file is read correctly whatever its name.
/// </summary>
/// <remarks>
/// Only dtype 0x08 (unsigned byte) is supported: it is what MNIST, Fashion-MNIST and EMNIST use. Every problem with a
/// file (bad magic number, other dtype, truncated header or data, dimensions too large for an array, bytes left over
/// after the data, a corrupt gzip stream) raises an <see cref="InvalidDataException"/> that names the file and says
/// what is wrong.
/// </remarks>
public static class IdxReader
{
    // Data is read in pieces of at most this size until the header's length is reached, so a corrupt header that
    // claims gigabytes fails on the short data instead of allocating a huge array first.
    private const int MaxChunk = 16 << 20;

    /// <summary>Reads the IDX file at <paramref name="path"/>, raw or gzip-compressed.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid unsigned-byte IDX file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return ReadSeekable(file, path);
    }

    /// <summary>
    /// Reads an IDX array from <paramref name="stream"/>, raw or gzip-compressed, to its end.
    /// <paramref name="sourceName"/> names the data in error messages (a file name, a URL).
    /// </summary>
    /// <exception cref="InvalidDataException">The content is not a valid unsigned-byte IDX array.</exception>
    public static IdxArray Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        // Detecting gzip needs a look at the first bytes and a step back.
        return ReadSeekable(SeekableStream.Of(stream), sourceName);
    }

    /// <summary>Reads an IDX array held in memory, raw or gzip-compressed; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid unsigned-byte IDX array.</exception>
    public static IdxArray Parse(byte[] bytes, string sourceName = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return ReadSeekable(new MemoryStream(bytes, writable: false), sourceName);
    }

    /// <summary>True when <paramref name="path"/> starts with the gzip magic bytes.</summary>
    public static bool IsGzip(string path)
    {
        using var file = File.OpenRead(path);
        return StartsWithGzipMagic(file);
    }

    private static IdxArray ReadSeekable(Stream stream, string source)
    {
        long start = stream.Position;
        bool gzip = StartsWithGzipMagic(stream);
        stream.Position = start;
        if (!gzip) return ReadIdx(stream, source, compressed: false);
        using var inflated = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        return ReadIdx(inflated, source, compressed: true);
    }

    private static bool StartsWithGzipMagic(Stream stream)
    {
        Span<byte> magic = stackalloc byte[2];
        return stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2
            && magic[0] == IdxFormat.GzipMagic0 && magic[1] == IdxFormat.GzipMagic1;
    }

    private static IdxArray ReadIdx(Stream stream, string source, bool compressed)
    {
        Span<byte> magic = stackalloc byte[IdxFormat.MagicLength];
        int got = ReadUpTo(stream, magic, source);
        if (got < IdxFormat.MagicLength)
            throw Malformed(source, $"truncated header: {Content(compressed)} has {got} bytes, an IDX header needs at least 4 (zero, zero, dtype, dimension count)");
        if (magic[0] != 0 || magic[1] != 0)
            throw Malformed(source, $"bad magic number {magic[0]:X2} {magic[1]:X2} {magic[2]:X2} {magic[3]:X2}: an IDX file starts with two zero bytes, then a dtype byte and the number of dimensions");
        byte dtype = magic[2];
        if (dtype != IdxFormat.UnsignedByte)
        {
            string? name = IdxFormat.DataTypeName(dtype);
            throw Malformed(source, name is null
                ? (FormattableString)$"unknown dtype 0x{dtype:X2}; only 0x08 (unsigned byte) is supported"
                : $"dtype 0x{dtype:X2} ({name}) is not supported; only 0x08 (unsigned byte) is");
        }
        int rank = magic[3];
        if (rank == 0) throw Malformed(source, $"the dimension count is 0; an IDX array needs at least one dimension");

        Span<byte> dimBytes = stackalloc byte[4 * rank];
        got = ReadUpTo(stream, dimBytes, source);
        if (got < dimBytes.Length)
            throw Malformed(source, $"truncated header: {rank} dimensions need {dimBytes.Length} bytes after the magic number, found {got}");
        var shape = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            uint dim = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * i, 4));
            if (dim > int.MaxValue)
                throw Malformed(source, $"dimension {i} is {dim}, larger than the largest supported size {int.MaxValue}");
            shape[i] = (int)dim;
            // Both factors are below 2^31, so the product cannot overflow before this check catches it.
            elements *= dim;
            if (elements > Array.MaxLength)
                throw Malformed(source, $"dimensions [{string.Join(", ", ReadDims(dimBytes))}] hold more elements than the {Array.MaxLength} a .NET array can");
        }

        byte[] data = ReadData(stream, (int)elements, source, shape, compressed);
        long extra = CountRemaining(stream, source);
        if (extra > 0)
            throw Malformed(source, $"data length mismatch: dimensions [{string.Join(", ", shape)}] hold {elements} bytes but {Content(compressed)} has {extra} more after them");
        return new IdxArray(shape, data);
    }

    private static byte[] ReadData(Stream stream, int length, string source, int[] shape, bool compressed)
    {
        // Grows towards the declared length as data actually arrives (see MaxChunk).
        var data = new byte[Math.Min(length, MaxChunk)];
        int filled = 0;
        while (filled < length)
        {
            if (filled == data.Length) Array.Resize(ref data, (int)Math.Min(length, (long)data.Length * 2));
            int read = ReadUpTo(stream, data.AsSpan(filled), source);
            filled += read;
            if (filled < data.Length)
                throw Malformed(source, $"truncated data: dimensions [{string.Join(", ", shape)}] need {length} bytes after the header but {Content(compressed)} has only {filled}");
        }
        return data;
    }

    private static long CountRemaining(Stream stream, string source)
    {
        Span<byte> scratch = stackalloc byte[4096];
        long total = 0;
        int read;
        while ((read = ReadUpTo(stream, scratch, source)) > 0) total += read;
        return total;
    }

    /// <summary>Fills <paramref name="buffer"/> unless the stream ends first; returns how many bytes were read.</summary>
    private static int ReadUpTo(Stream stream, Span<byte> buffer, string source)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // GZipStream's own message does not say which file, and its "unexpected end" case is a truncated download.
            throw new InvalidDataException($"IDX file '{source}': corrupt or truncated gzip stream: {e.Message}", e);
        }
    }

    private static IEnumerable<uint> ReadDims(ReadOnlySpan<byte> dimBytes)
    {
        var dims = new uint[dimBytes.Length / 4];
        for (int i = 0; i < dims.Length; i++) dims[i] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * i, 4));
        return dims;
    }

    private static string Content(bool compressed) => compressed ? "the decompressed content" : "the file";

    private static InvalidDataException Malformed(string source, FormattableString problem)
        => new($"IDX file '{source}': {problem.ToString(CultureInfo.InvariantCulture)}.");
}
