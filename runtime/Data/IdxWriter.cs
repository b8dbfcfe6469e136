using System.Buffers.Binary;
using System.IO.Compression;

namespace ModelGen.Data;

/// <summary>
/// Writes <see cref="IdxArray"/> values in the IDX format that <see cref="IdxReader"/> reads, raw or gzip-compressed:
/// for exporting data sets (synthetic digits, a preprocessed subset) and for building test files.
/// </summary>
public static class IdxWriter
{
    /// <summary>
    /// Writes <paramref name="array"/> to <paramref name="path"/>, replacing any existing file; gzip-compressed when
    /// <paramref name="compress"/> is true (name such files <c>*.gz</c>, as the MNIST distribution does).
    /// </summary>
    public static void Write(string path, IdxArray array, bool compress)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        Write(file, array, compress);
    }

    /// <summary>Writes <paramref name="array"/> to <paramref name="stream"/>, which is left open.</summary>
    public static void Write(Stream stream, IdxArray array, bool compress)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        if (!compress)
        {
            WriteRaw(stream, array);
            return;
        }
        // Disposing the GZipStream writes the gzip trailer; leaveOpen keeps the caller's stream usable.
        using var deflated = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true);
        WriteRaw(deflated, array);
    }

    /// <summary>The bytes of <paramref name="array"/> as an IDX file, gzip-compressed when <paramref name="compress"/> is true.</summary>
    public static byte[] ToBytes(IdxArray array, bool compress)
    {
        var buffer = new MemoryStream();
        Write(buffer, array, compress);
        return buffer.ToArray();
    }

    private static void WriteRaw(Stream stream, IdxArray array)
    {
        // IdxArray guarantees 1 to 255 non-negative dimensions whose product is the data length.
        int[] shape = array.Shape;
        Span<byte> header = stackalloc byte[IdxFormat.MagicLength + 4 * shape.Length];
        header[0] = 0;
        header[1] = 0;
        header[2] = IdxFormat.UnsignedByte;
        header[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.Slice(IdxFormat.MagicLength + 4 * i, 4), shape[i]);
        stream.Write(header);
        stream.Write(array.Data);
    }
}
