using System.Buffers.Binary;

namespace ModelGen;

/// <summary>
/// Reads and writes safetensors files (https://github.com/huggingface/safetensors), the format of Hugging Face and
/// of <c>safetensors.torch.save_file</c>: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping
/// each tensor name to <c>{"dtype", "shape", "data_offsets"}</c> (plus an optional <c>"__metadata__"</c> object of
/// strings), then the tensors' bytes, little-endian, row-major, offsets relative to the end of the header.
/// </summary>
/// <remarks>
/// <para>
/// Reading runs no code from the file and trusts none of its numbers: the header length is checked against the
/// file and a 100,000,000-byte limit before anything is allocated, and every entry against the data buffer, which
/// the tensors must cover exactly (no overlap, no hole, no trailing bytes). Every problem raises a
/// <see cref="SafeTensorsFormatException"/> naming the file, the tensor and what is wrong.
/// </para>
/// <para>
/// Writing is atomic: the file is written beside its destination under a temporary name, flushed to disk and
/// then moved over the destination, so a reader (or a crash) sees the old file or the new one, never a part.
/// </para>
/// </remarks>
public static partial class SafeTensors
{
    /// <summary>The largest header the reader accepts, in bytes: the reference implementation's limit.</summary>
    public const int MaxHeaderBytes = 100_000_000;

    /// <summary>Reads every tensor and the metadata of the safetensors file at <paramref name="path"/>.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not a valid safetensors file, or holds an unsupported dtype.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return ReadSeekable(file, path);
    }

    /// <summary>Reads a safetensors file from <paramref name="stream"/>, to its end; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="SafeTensorsFormatException">The content is not a valid safetensors file, or holds an unsupported dtype.</exception>
    public static SafeTensorsFile Read(Stream stream, string sourceName = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        // The checks need the total length before the header is read.
        return ReadSeekable(Data.SeekableStream.Of(stream), sourceName);
    }

    /// <summary>Reads a safetensors file held in memory; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="SafeTensorsFormatException">The bytes are not a valid safetensors file, or hold an unsupported dtype.</exception>
    public static SafeTensorsFile Parse(byte[] bytes, string sourceName = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return ReadSeekable(new MemoryStream(bytes, writable: false), sourceName);
    }

    private static SafeTensorsFile ReadSeekable(Stream stream, string source)
    {
        long length = stream.Length - stream.Position;
        if (length < 8)
        {
            throw new SafeTensorsFormatException(source, null, $"the file is {length} bytes long, too short for the 8-byte header length");
        }
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafeTensorsFormatException(source, null, $"the header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes");
        }
        if ((long)headerLength > length - 8)
        {
            throw new SafeTensorsFormatException(source, null,
                $"the header length {headerLength} runs past the end of the file ({length} bytes, {length - 8} after the length)");
        }
        byte[] json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataLength = length - 8 - (long)headerLength;
        var header = SafeTensorsHeader.Parse(json, dataLength, source);
        return new SafeTensorsFile(ReadData(stream, header, source), header.Metadata);
    }

    /// <summary>Reads the tensors in offset order (one pass over the stream), returned in header order.</summary>
    private static SafeTensor[] ReadData(Stream stream, SafeTensorsHeader header, string source)
    {
        var entries = header.Entries;
        var order = new int[entries.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => entries[a].Begin.CompareTo(entries[b].Begin));
        var tensors = new SafeTensor[entries.Count];
        foreach (int index in order)
        {
            var entry = entries[index];
            var value = Tensor.Zeros(entry.DType.LoadedDType(), entry.Shape);
            try
            {
                ElementCodec.Read(stream, entry.DType, value);
            }
            catch (EndOfStreamException e)
            {
                // Only a stream that shrank while being read gets here: the layout was checked against its length.
                throw new SafeTensorsFormatException(source, entry.Name, "the data ends before the tensor's bytes do", e);
            }
            tensors[index] = new SafeTensor(entry.Name, entry.DType, value);
        }
        return tensors;
    }
}
