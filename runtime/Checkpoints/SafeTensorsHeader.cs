using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace ModelGen;

/// <summary>One tensor's header entry: where its bytes lie in the data buffer and how to read them.</summary>
internal sealed record SafeTensorsEntry(string Name, SafeTensorsDType DType, int[] Shape, long Begin, long End);

/// <summary>
/// A parsed and validated safetensors header. Parsing walks the JSON with <see cref="Utf8JsonReader"/> rather than
/// a document, so that a repeated key (which a document would keep twice) is caught; then the entries are checked
/// against each other and the data buffer: in range, the right size for dtype and shape, no overlaps, no gaps, no
/// trailing bytes, as the reference implementation (the <c>safetensors</c> crate) checks.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>The key that holds the file's string-to-string metadata instead of a tensor.</summary>
    internal const string MetadataKey = "__metadata__";

    private readonly string _source;
    private readonly long _dataLength;

    private SafeTensorsHeader(string source, long dataLength)
    {
        _source = source;
        _dataLength = dataLength;
    }

    /// <summary>The tensors, in the order of the header.</summary>
    public List<SafeTensorsEntry> Entries { get; } = [];

    /// <summary>The <c>__metadata__</c> pairs, in the order of the header (empty when there is none).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Parses and validates <paramref name="json"/>, the header of a file whose data buffer is <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="SafeTensorsFormatException">Anything wrong with the header or the layout it describes.</exception>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string source)
    {
        var header = new SafeTensorsHeader(source, dataLength);
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            string found = json.IsEmpty ? "nothing" : $"byte 0x{json[0]:X2}";
            throw header.Error(null, $"the header must start with '{{' but starts with {found}");
        }
        if (!Utf8.IsValid(json)) throw header.Error(null, "the header is not valid UTF-8");
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
            header.ReadRoot(ref reader);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString on an escaped lone surrogate ("\ud800"), which no string can hold.
            throw header.Error(null, $"the header is not valid JSON ({e.Message})", e);
        }
        header.CheckLayout();
        return header;
    }

    private void ReadRoot(ref Utf8JsonReader reader)
    {
        reader.Read(); // the '{' checked above
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            if (!seen.Add(name)) throw Error(name, "the name appears twice in the header");
            reader.Read();
            if (name == MetadataKey) ReadMetadata(ref reader);
            else Entries.Add(ReadEntry(ref reader, name));
        }
        // The reader has checked that the object closed; anything but whitespace after it throws a JsonException.
        if (reader.Read()) throw Error(null, "the header holds more than one JSON value");
    }

    private void ReadMetadata(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return; // the reference implementation reads null as no metadata
        if (reader.TokenType != JsonTokenType.StartObject) throw Error(null, $"{MetadataKey} must be an object of strings, not {Describe(reader.TokenType)}");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Error(null, $"{MetadataKey} value of '{key}' must be a string, not {Describe(reader.TokenType)}");
            }
            if (!Metadata.TryAdd(key, reader.GetString()!)) throw Error(null, $"{MetadataKey} key '{key}' appears twice");
        }
    }

    private SafeTensorsEntry ReadEntry(ref Utf8JsonReader reader, string name)
    {
        if (name.Length == 0) throw Error(name, "a tensor name must not be empty");
        if (reader.TokenType != JsonTokenType.StartObject) throw Error(name, $"the entry must be a JSON object, not {Describe(reader.TokenType)}");
        string? dtypeName = null;
        List<long>? shape = null;
        (ulong Begin, ulong End)? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (dtypeName is not null) throw Error(name, "the entry has 'dtype' twice");
                    if (reader.TokenType != JsonTokenType.String) throw Error(name, $"'dtype' must be a string, not {Describe(reader.TokenType)}");
                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    if (shape is not null) throw Error(name, "the entry has 'shape' twice");
                    shape = ReadShape(ref reader, name);
                    break;
                case "data_offsets":
                    if (offsets is not null) throw Error(name, "the entry has 'data_offsets' twice");
                    offsets = ReadOffsets(ref reader, name);
                    break;
                default:
                    reader.Skip(); // fields this version does not know are ignored, as the reference implementation does
                    break;
            }
        }
        if (dtypeName is null) throw Error(name, "the entry has no 'dtype'");
        if (shape is null) throw Error(name, "the entry has no 'shape'");
        if (offsets is null) throw Error(name, "the entry has no 'data_offsets'");
        return Describe(name, dtypeName, shape, offsets.Value);
    }

    private List<long> ReadShape(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Error(name, $"'shape' must be an array of integers, not {Describe(reader.TokenType)}");
        var dims = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long dim) || dim < 0)
            {
                throw Error(name, $"'shape' dimension {dims.Count} must be a non-negative integer, not {TokenText(ref reader)}");
            }
            dims.Add(dim);
        }
        return dims;
    }

    private (ulong, ulong) ReadOffsets(ref Utf8JsonReader reader, string name)
    {
        const string Expected = "'data_offsets' must be an array of two non-negative integers";
        if (reader.TokenType != JsonTokenType.StartArray) throw Error(name, $"{Expected}, not {Describe(reader.TokenType)}");
        Span<ulong> values = stackalloc ulong[2];
        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong value))
            {
                throw Error(name, $"{Expected}; element {count} is {TokenText(ref reader)}");
            }
            if (count == 2) throw Error(name, $"{Expected}; it has more");
            values[count++] = value;
        }
        if (count != 2) throw Error(name, $"{Expected}; it has {count}");
        return (values[0], values[1]);
    }

    /// <summary>Checks the entry on its own: a supported dtype, a shape a tensor can hold, offsets that fit that shape and the buffer.</summary>
    private SafeTensorsEntry Describe(string name, string dtypeName, List<long> dims, (ulong Begin, ulong End) offsets)
    {
        switch (SafeTensorsDTypeExtensions.TryParse(dtypeName, out var dtype))
        {
            case DTypeLookup.Unsupported:
                throw Error(name, $"unsupported dtype '{dtypeName}' (this reader supports F32, F64, F16, BF16, I32 and I64)");
            case DTypeLookup.Unknown:
                throw Error(name, $"unknown dtype '{dtypeName}'");
        }
        long elements = 1;
        foreach (long dim in dims)
        {
            if (dim != 0 && elements > long.MaxValue / dim) throw Error(name, $"the element count of shape {FormatDims(dims)} overflows");
            elements *= dim;
        }
        if (elements > int.MaxValue || dims.Exists(dim => dim > int.MaxValue))
        {
            throw Error(name, $"shape {FormatDims(dims)} has more elements than one tensor holds (at most {int.MaxValue})");
        }
        var (begin, end) = offsets;
        if (begin > end) throw Error(name, $"data_offsets [{begin}, {end}] begin after they end");
        if (end > (ulong)_dataLength) throw Error(name, $"data_offsets [{begin}, {end}] end past the end of the data buffer ({_dataLength} bytes)");
        long expected = elements * dtype.ElementSize();
        if ((long)(end - begin) != expected)
        {
            throw Error(name, $"data_offsets [{begin}, {end}] cover {end - begin} bytes, but dtype {dtypeName} and shape {FormatDims(dims)} need {expected}");
        }
        return new SafeTensorsEntry(name, dtype, dims.ConvertAll(dim => (int)dim).ToArray(), (long)begin, (long)end);
    }

    /// <summary>The entries, in offset order, must tile the data buffer exactly.</summary>
    private void CheckLayout()
    {
        var byOffset = Entries.ToArray();
        Array.Sort(byOffset, (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long cursor = 0;
        string? previous = null;
        foreach (var entry in byOffset)
        {
            if (entry.Begin < cursor) throw Error(entry.Name, $"its bytes [{entry.Begin}, {entry.End}] overlap those of tensor '{previous}'");
            if (entry.Begin > cursor)
            {
                throw Error(entry.Name, $"a hole of {entry.Begin - cursor} bytes [{cursor}, {entry.Begin}) lies before it that no tensor covers");
            }
            cursor = entry.End;
            previous = entry.Name;
        }
        if (cursor != _dataLength)
        {
            throw Error(null, $"{_dataLength - cursor} bytes after the last tensor's data (from offset {cursor}) belong to no tensor");
        }
    }

    private SafeTensorsFormatException Error(string? tensor, string problem, Exception? inner = null) => new(_source, tensor, problem, inner);

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    // A number's own text ("-1", "2.5", "1e30"), or what other token it is.
    private static string TokenText(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number ? System.Text.Encoding.UTF8.GetString(reader.ValueSpan) : Describe(reader.TokenType);

    private static string FormatDims(List<long> dims) =>
        "[" + string.Join(", ", dims.ConvertAll(dim => dim.ToString(CultureInfo.InvariantCulture))) + "]";
}
