namespace ModelGen;

/// <summary>
/// bfloat16, the upper 16 bits of an IEEE 754 binary32: the same exponent range as float32 with 8 bits of
/// significand. .NET has no such type; these conversions are the ones PyTorch's <c>c10::BFloat16</c> makes.
/// </summary>
internal static class BFloat16
{
    /// <summary>Widens exactly: the bits become the upper half of a float32.</summary>
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>
    /// Rounds to the nearest bfloat16, ties to even; values beyond the largest finite bfloat16 become infinity.
    /// A NaN stays a NaN (made quiet, sign kept): plain rounding could carry its payload into the exponent.
    /// </summary>
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040);
        uint lsb = (bits >> 16) & 1;            // the last kept bit: a tie rounds towards making it 0
        return (ushort)((bits + 0x7FFFu + lsb) >> 16);
    }
}
