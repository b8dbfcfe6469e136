using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

public static partial class GemmInt8
{
    /// <summary>
    /// Quantises float activations [m, k] to the 7-bit codes <see cref="Multiply"/> reads:
    /// q = clamp(round(x · inverseScale) + zeroPoint, 0, 127), rounding half to even, each row padded with zeros
    /// to <see cref="PaddedDepth"/>(k) bytes. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span is too short, or zeroPoint is outside 0..127.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QuantizeActivations(ReadOnlySpan<float> x, int m, int k, float inverseScale, int zeroPoint, Span<byte> q)
    {
        int kp = PaddedDepth(k);
        if (x.Length < m * k) throw new ArgumentException("x is shorter than m·k.", nameof(x));
        if (q.Length < m * kp) throw new ArgumentException("q is shorter than m·PaddedDepth(k).", nameof(q));
        if ((uint)zeroPoint > MaxActivation) throw new ArgumentException("The zero point must be within 0..127.", nameof(zeroPoint));
        ref float source = ref MemoryMarshal.GetReference(x);
        ref byte target = ref MemoryMarshal.GetReference(q);
        Vector256<float> inverse = Vector256.Create(inverseScale), zero = Vector256.Create((float)zeroPoint);
        Vector256<float> low = Vector256<float>.Zero, high = Vector256.Create((float)MaxActivation);
        for (int i = 0; i < m; i++)
        {
            ref float row = ref Unsafe.Add(ref source, (nint)i * k);
            ref byte codes = ref Unsafe.Add(ref target, (nint)i * kp);
            int p = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; p + 32 <= k; p += 32)
                {
                    Vector256<int> q0 = Code(Vector256.LoadUnsafe(ref row, (nuint)p), inverse, zero, low, high);
                    Vector256<int> q1 = Code(Vector256.LoadUnsafe(ref row, (nuint)p + 8), inverse, zero, low, high);
                    Vector256<int> q2 = Code(Vector256.LoadUnsafe(ref row, (nuint)p + 16), inverse, zero, low, high);
                    Vector256<int> q3 = Code(Vector256.LoadUnsafe(ref row, (nuint)p + 24), inverse, zero, low, high);
                    // Every code is within 0..127, so the truncating narrowings are exact.
                    Vector256.Narrow(Vector256.Narrow(q0, q1), Vector256.Narrow(q2, q3)).AsByte().StoreUnsafe(ref codes, (nuint)p);
                }
            }
            for (; p < k; p++)
            {
                float value = MathF.Round(Unsafe.Add(ref row, p) * inverseScale) + zeroPoint;
                Unsafe.Add(ref codes, p) = (byte)(value < 0f ? 0f : value > MaxActivation ? MaxActivation : value);
            }
            for (; p < kp; p++) Unsafe.Add(ref codes, p) = 0;
        }
    }

    /// <summary>
    /// Quantises <paramref name="count"/> contiguous floats to codes exactly as <see cref="QuantizeActivations"/> does,
    /// 32 and then 8 at a time (a convolution quantises whole image planes, whose rows are often shorter than 32).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void QuantizeCodes(float* x, int count, float inverseScale, int zeroPoint, byte* q)
    {
        Vector256<float> inverse = Vector256.Create(inverseScale), zero = Vector256.Create((float)zeroPoint);
        Vector256<float> low = Vector256<float>.Zero, high = Vector256.Create((float)MaxActivation);
        int p = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; p + 32 <= count; p += 32)
            {
                Vector256<int> q0 = Code(Vector256.Load(x + p), inverse, zero, low, high);
                Vector256<int> q1 = Code(Vector256.Load(x + p + 8), inverse, zero, low, high);
                Vector256<int> q2 = Code(Vector256.Load(x + p + 16), inverse, zero, low, high);
                Vector256<int> q3 = Code(Vector256.Load(x + p + 24), inverse, zero, low, high);
                // Every code is within 0..127, so the truncating narrowings are exact.
                Vector256.Narrow(Vector256.Narrow(q0, q1), Vector256.Narrow(q2, q3)).AsByte().Store(q + p);
            }
            for (; p + 8 <= count; p += 8)
            {
                Vector256<int> codes = Code(Vector256.Load(x + p), inverse, zero, low, high);
                Vector128<short> shorts = Vector128.Narrow(codes.GetLower(), codes.GetUpper());
                Unsafe.WriteUnaligned(q + p, Vector128.Narrow(shorts, shorts).AsUInt64().ToScalar());
            }
        }
        for (; p < count; p++)
        {
            float value = MathF.Round(x[p] * inverseScale) + zeroPoint;
            q[p] = (byte)(value < 0f ? 0f : value > MaxActivation ? MaxActivation : value);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Code(Vector256<float> x, Vector256<float> inverse, Vector256<float> zero, Vector256<float> low, Vector256<float> high)
    {
        Vector256<float> value = Vector256.Round(x * inverse) + zero;
        value = Vector256.ConditionalSelect(Vector256.LessThan(value, low), low, value);
        value = Vector256.ConditionalSelect(Vector256.GreaterThan(value, high), high, value);
        return Vector256.ConvertToInt32(value);
    }
}
