using System.Buffers;
using System.Buffers.Binary;

namespace ModelGen;

/// <summary>
/// Moves tensor elements between a stream and a tensor in the little-endian encodings of safetensors, through one
/// pooled buffer of <see cref="ChunkBytes"/> bytes, converting where the stored type differs from the tensor's.
/// Every element goes through <see cref="BinaryPrimitives"/>, so the result is the same on any host byte order.
/// </summary>
internal static class ElementCodec
{
    private const int ChunkBytes = 1 << 16;

    /// <summary>Reads <c>target.Length</c> elements stored as <paramref name="stored"/> into <paramref name="target"/>.</summary>
    /// <exception cref="EndOfStreamException">The stream ends first.</exception>
    public static void Read(Stream stream, SafeTensorsDType stored, Tensor target)
    {
        int size = stored.ElementSize();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int total = target.Length, perChunk = ChunkBytes / size;
            for (int start = 0; start < total; start += perChunk)
            {
                int count = Math.Min(perChunk, total - start);
                Span<byte> bytes = buffer.AsSpan(0, count * size);
                stream.ReadExactly(bytes);
                Decode(stored, bytes, target, start, count);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes every element of <paramref name="source"/> as <paramref name="stored"/>.</summary>
    public static void Write(Stream stream, Tensor source, SafeTensorsDType stored)
    {
        int size = stored.ElementSize();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int total = source.Length, perChunk = ChunkBytes / size;
            for (int start = 0; start < total; start += perChunk)
            {
                int count = Math.Min(perChunk, total - start);
                Span<byte> bytes = buffer.AsSpan(0, count * size);
                Encode(source, start, count, stored, bytes);
                stream.Write(bytes);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Decode(SafeTensorsDType stored, ReadOnlySpan<byte> bytes, Tensor target, int start, int count)
    {
        switch (stored)
        {
            case SafeTensorsDType.F32:
            {
                var dst = target.AsSpan().Slice(start, count);
                for (int i = 0; i < count; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            }
            case SafeTensorsDType.F64:
            {
                var dst = target.AsSpanFloat64().Slice(start, count);
                for (int i = 0; i < count; i++) dst[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                break;
            }
            case SafeTensorsDType.F16:
            {
                var dst = target.AsSpan().Slice(start, count);
                for (int i = 0; i < count; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            }
            case SafeTensorsDType.BF16:
            {
                var dst = target.AsSpan().Slice(start, count);
                for (int i = 0; i < count; i++) dst[i] = BFloat16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                break;
            }
            case SafeTensorsDType.I32:
            {
                var dst = target.AsSpanInt32().Slice(start, count);
                for (int i = 0; i < count; i++) dst[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                break;
            }
            case SafeTensorsDType.I64:
            {
                var dst = target.AsSpanInt64().Slice(start, count);
                for (int i = 0; i < count; i++) dst[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(stored), stored, "Unknown safetensors dtype.");
        }
    }

    private static void Encode(Tensor source, int start, int count, SafeTensorsDType stored, Span<byte> bytes)
    {
        switch (source.DType)
        {
            case DType.Float32:
                EncodeFloats(source.AsReadOnlySpan().Slice(start, count), stored, bytes);
                break;
            case DType.Float64:
                EncodeDoubles(source.AsReadOnlySpanFloat64().Slice(start, count), stored, bytes);
                break;
            case DType.Int32:
            {
                var src = source.AsReadOnlySpanInt32().Slice(start, count);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes[(4 * i)..], src[i]);
                break;
            }
            case DType.Int64:
            {
                var src = source.AsReadOnlySpanInt64().Slice(start, count);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes[(8 * i)..], src[i]);
                break;
            }
        }
    }

    private static void EncodeFloats(ReadOnlySpan<float> src, SafeTensorsDType stored, Span<byte> bytes)
    {
        switch (stored)
        {
            case SafeTensorsDType.F32: for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes[(4 * i)..], src[i]); break;
            case SafeTensorsDType.F64: for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes[(8 * i)..], src[i]); break;
            case SafeTensorsDType.F16: for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(bytes[(2 * i)..], (Half)src[i]); break;
            case SafeTensorsDType.BF16: for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], BFloat16.FromSingle(src[i])); break;
            default: throw new ArgumentOutOfRangeException(nameof(stored), stored, "A floating-point tensor is stored as F32, F64, F16 or BF16.");
        }
    }

    private static void EncodeDoubles(ReadOnlySpan<double> src, SafeTensorsDType stored, Span<byte> bytes)
    {
        switch (stored)
        {
            case SafeTensorsDType.F64: for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes[(8 * i)..], src[i]); break;
            case SafeTensorsDType.F32: for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes[(4 * i)..], (float)src[i]); break;
            case SafeTensorsDType.F16: for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(bytes[(2 * i)..], (Half)src[i]); break;
            // Through float32 first: a double rounding, off by one bfloat16 step only for values within 2^-24 relative of a tie.
            case SafeTensorsDType.BF16: for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * i)..], BFloat16.FromSingle((float)src[i])); break;
            default: throw new ArgumentOutOfRangeException(nameof(stored), stored, "A floating-point tensor is stored as F32, F64, F16 or BF16.");
        }
    }
}
