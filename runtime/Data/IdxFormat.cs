namespace ModelGen.Data;

/// <summary>Constants of the IDX layout shared by <see cref="IdxReader"/> and <see cref="IdxWriter"/>.</summary>
internal static class IdxFormat
{
    /// <summary>The dtype code of unsigned bytes, the only element type MNIST uses and the only one supported.</summary>
    public const byte UnsignedByte = 0x08;

    /// <summary>Header bytes before the dimensions: two zero bytes, the dtype and the number of dimensions.</summary>
    public const int MagicLength = 4;

    /// <summary>The first two bytes of every gzip stream (RFC 1952), used to detect compression by content.</summary>
    public const byte GzipMagic0 = 0x1F, GzipMagic1 = 0x8B;

    /// <summary>The name the IDX specification gives a dtype code, for error messages; null for unknown codes.</summary>
    public static string? DataTypeName(byte code) => code switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "short (int16)",
        0x0C => "int (int32)",
        0x0D => "float (float32)",
        0x0E => "double (float64)",
        _ => null,
    };
}
