namespace ModelGen;

/// <summary>The element type of a <see cref="Tensor"/>.</summary>
public enum DType
{
    /// <summary>32-bit IEEE 754 floating point: what models train in.</summary>
    Float32,

    /// <summary>64-bit IEEE 754 floating point: what gradient checks run in.</summary>
    Float64,

    /// <summary>32-bit signed integer: class labels. Never requires a gradient.</summary>
    Int32,

    /// <summary>
    /// 64-bit signed integer: counters kept in checkpoints (batch norm's <c>num_batches_tracked</c>) and PyTorch's
    /// int64 tensors. Storage and conversion only: no op computes in it, and it never requires a gradient.
    /// </summary>
    Int64,
}

/// <summary>Facts about <see cref="DType"/> values.</summary>
public static class DTypeExtensions
{
    /// <summary>True for <see cref="DType.Float32"/> and <see cref="DType.Float64"/>.</summary>
    public static bool IsFloatingPoint(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The size of one element in bytes.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 => sizeof(float),
        DType.Float64 => sizeof(double),
        DType.Int32 => sizeof(int),
        DType.Int64 => sizeof(long),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };
}
