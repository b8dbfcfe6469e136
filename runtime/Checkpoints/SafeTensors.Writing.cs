using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelGen;

// Writing: the header is built from every tensor's dtype and shape first, then the data follows in the same order.
public static partial class SafeTensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/> (in this order) and <paramref name="metadata"/> to <paramref name="path"/>,
    /// atomically: into a temporary file in the same folder, flushed to disk, then moved over <paramref name="path"/>.
    /// On any failure the temporary file is deleted and a file already at <paramref name="path"/> stays as it was.
    /// </summary>
    /// <param name="path">The destination; an existing file is replaced.</param>
    /// <param name="tensors">Names and values; names must be unique, non-empty and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Strings stored under <c>__metadata__</c>, or null for none.</param>
    /// <param name="options">The dtype to store floating-point tensors in; null keeps each tensor's own.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved, or the options ask for an integer float dtype.</exception>
    public static void Write(string path, IEnumerable<(string Name, Tensor Value)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, SafeTensorsWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException("The path has no folder.", nameof(path));
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Write(file, tensors, metadata, options);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes a safetensors file to <paramref name="stream"/> (not atomic: see <see cref="Write(string, IEnumerable{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?, SafeTensorsWriteOptions?)"/>).</summary>
    /// <inheritdoc cref="Write(string, IEnumerable{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?, SafeTensorsWriteOptions?)"/>
    public static void Write(Stream stream, IEnumerable<(string Name, Tensor Value)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, SafeTensorsWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var planned = Plan(tensors, options);
        byte[] header = HeaderBytes(planned, metadata);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var (_, value, stored) in planned) ElementCodec.Write(stream, value, stored);
    }

    /// <summary>The bytes of a safetensors file holding <paramref name="tensors"/> and <paramref name="metadata"/>.</summary>
    /// <inheritdoc cref="Write(string, IEnumerable{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?, SafeTensorsWriteOptions?)"/>
    public static byte[] Serialize(IEnumerable<(string Name, Tensor Value)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null, SafeTensorsWriteOptions? options = null)
    {
        var memory = new MemoryStream();
        Write(memory, tensors, metadata, options);
        return memory.ToArray();
    }

    /// <summary>Checks the names and chooses each tensor's stored dtype, before a byte is written.</summary>
    private static List<(string Name, Tensor Value, SafeTensorsDType Stored)> Plan(
        IEnumerable<(string Name, Tensor Value)> tensors, SafeTensorsWriteOptions? options)
    {
        var floatDType = options?.FloatDType;
        if (floatDType is { } requested && !requested.IsFloatingPoint())
        {
            throw new ArgumentException($"FloatDType must be F32, F64, F16 or BF16, not {requested}.", nameof(options));
        }
        var planned = new List<(string, Tensor, SafeTensorsDType)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in tensors)
        {
            ArgumentNullException.ThrowIfNull(name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(value, nameof(tensors));
            if (name.Length == 0) throw new ArgumentException("A tensor name must not be empty.", nameof(tensors));
            if (name == SafeTensorsHeader.MetadataKey) throw new ArgumentException($"'{name}' is reserved for the metadata.", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"Tensor '{name}' appears twice.", nameof(tensors));
            var stored = value.DType.IsFloatingPoint() && floatDType is { } chosen ? chosen : value.DType.ToSafeTensors();
            planned.Add((name, value, stored));
        }
        return planned;
    }

    /// <summary>
    /// The header: compact JSON, <c>__metadata__</c> first, then the tensors in order, padded with spaces to a
    /// multiple of 8 bytes so that the data (after the 8-byte length) starts 8-byte aligned.
    /// </summary>
    private static byte[] HeaderBytes(List<(string Name, Tensor Value, SafeTensorsDType Stored)> planned, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        // Escapes only what JSON requires (quotes, backslashes, control characters), as Rust's serde_json does.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(key, nameof(metadata));
                    ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, value, stored) in planned)
            {
                long end = offset + (long)value.Length * stored.ElementSize();
                writer.WriteStartObject(name);
                writer.WriteString("dtype", stored.HeaderName());
                writer.WriteStartArray("shape");
                foreach (int dim in value.ShapeSpan) writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }
            writer.WriteEndObject();
        }
        int padded = (json.WrittenCount + 7) & ~7;
        byte[] header = new byte[padded];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error matters more than a temporary file left behind.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
