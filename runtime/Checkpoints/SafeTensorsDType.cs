namespace ModelGen;

/// <summary>
/// An element type as a safetensors file stores it (the header's <c>"dtype"</c> string). The reader accepts these
/// six; it converts F16 and BF16 to <see cref="DType.Float32"/> on load.
/// </summary>
public enum SafeTensorsDType
{
    /// <summary><c>"F32"</c>: IEEE 754 binary32, read into a <see cref="DType.Float32"/> tensor.</summary>
    F32,

    /// <summary><c>"F64"</c>: IEEE 754 binary64, read into a <see cref="DType.Float64"/> tensor.</summary>
    F64,

    /// <summary><c>"F16"</c>: IEEE 754 binary16 (<see cref="Half"/>), read into a <see cref="DType.Float32"/> tensor (exactly).</summary>
    F16,

    /// <summary><c>"BF16"</c>: bfloat16 (the upper half of a binary32), read into a <see cref="DType.Float32"/> tensor (exactly).</summary>
    BF16,

    /// <summary><c>"I32"</c>: 32-bit signed integer, read into a <see cref="DType.Int32"/> tensor.</summary>
    I32,

    /// <summary><c>"I64"</c>: 64-bit signed integer, read into a <see cref="DType.Int64"/> tensor.</summary>
    I64,
}

/// <summary>Facts about <see cref="SafeTensorsDType"/> values and the format's dtype names.</summary>
public static class SafeTensorsDTypeExtensions
{
    // Dtypes the format defines that this reader does not: a file naming one gets "unsupported", any other name "unknown".
    private static readonly HashSet<string> KnownButUnsupported = new(StringComparer.Ordinal)
    {
        "BOOL", "U8", "I8", "U16", "I16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
        "C64",
    };

    /// <summary>The size of one element in the file, in bytes.</summary>
    public static int ElementSize(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 or SafeTensorsDType.I32 => 4,
        SafeTensorsDType.F64 or SafeTensorsDType.I64 => 8,
        SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The name the header uses, for example <c>"BF16"</c>.</summary>
    public static string HeaderName(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F32 => "F32",
        SafeTensorsDType.F64 => "F64",
        SafeTensorsDType.F16 => "F16",
        SafeTensorsDType.BF16 => "BF16",
        SafeTensorsDType.I32 => "I32",
        SafeTensorsDType.I64 => "I64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The <see cref="DType"/> of the tensor the reader makes from elements of this type.</summary>
    public static DType LoadedDType(this SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F64 => DType.Float64,
        SafeTensorsDType.I32 => DType.Int32,
        SafeTensorsDType.I64 => DType.Int64,
        _ => DType.Float32,
    };

    /// <summary>True for the four floating-point types.</summary>
    public static bool IsFloatingPoint(this SafeTensorsDType dtype) => dtype is not (SafeTensorsDType.I32 or SafeTensorsDType.I64);

    /// <summary>The type a tensor of <paramref name="dtype"/> is stored as when no conversion is asked for.</summary>
    public static SafeTensorsDType ToSafeTensors(this DType dtype) => dtype switch
    {
        DType.Float32 => SafeTensorsDType.F32,
        DType.Float64 => SafeTensorsDType.F64,
        DType.Int32 => SafeTensorsDType.I32,
        DType.Int64 => SafeTensorsDType.I64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>Parses a header dtype name; the status says whether it is supported, defined but unsupported, or unknown.</summary>
    internal static DTypeLookup TryParse(string name, out SafeTensorsDType dtype)
    {
        foreach (var candidate in Enum.GetValues<SafeTensorsDType>())
        {
            if (string.Equals(candidate.HeaderName(), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return DTypeLookup.Supported;
            }
        }
        dtype = default;
        return KnownButUnsupported.Contains(name) ? DTypeLookup.Unsupported : DTypeLookup.Unknown;
    }
}

/// <summary>What <see cref="SafeTensorsDTypeExtensions.TryParse"/> found.</summary>
internal enum DTypeLookup
{
    Supported,
    Unsupported,
    Unknown,
}
