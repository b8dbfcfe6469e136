namespace ModelGen;

/// <summary>
/// A file or byte array that is not a valid safetensors file, or that holds a dtype this reader does not support.
/// The message names the source, the tensor when one is at fault, and what is wrong. An <see cref="IOException"/>,
/// like <see cref="EndOfStreamException"/> (<see cref="InvalidDataException"/>, the closer kin, is sealed).
/// </summary>
public sealed class SafeTensorsFormatException : IOException
{
    /// <summary>Creates the exception; <paramref name="source"/> names the file, <paramref name="tensorName"/> the tensor at fault (or null).</summary>
    public SafeTensorsFormatException(string source, string? tensorName, string problem, Exception? inner = null)
        : base(Compose(source, tensorName, problem), inner)
    {
        SourceName = source;
        TensorName = tensorName;
    }

    /// <summary>The file path, or the name given for a stream or byte array.</summary>
    public string SourceName { get; }

    /// <summary>The tensor whose header entry or data is at fault; null for a problem with the file as a whole.</summary>
    public string? TensorName { get; }

    private static string Compose(string source, string? tensorName, string problem) =>
        tensorName is null ? $"{source}: {problem}" : $"{source}: tensor '{tensorName}': {problem}";
}
