using System.Runtime.CompilerServices;

namespace ModelGen;

/// <summary>
/// A dense, contiguous, row-major tensor of <see cref="float"/>, <see cref="double"/>, <see cref="int"/> or
/// <see cref="long"/> elements, with eager reverse-mode autograd (see <see cref="Backward"/>).
/// </summary>
/// <remarks>
/// The storage array may be longer than <see cref="Length"/>: compiled code allocates one buffer for its largest
/// batch (<see cref="CreateBuffer"/>) and shrinks the logical shape per call (<see cref="SetLeadingDim"/>).
/// Every span this type hands out is exactly <see cref="Length"/> long.
/// </remarks>
public sealed partial class Tensor
{
    // float[], double[], int[] or long[], matching DType; at least Length long. Replaced only by CastInPlace.
    private Array _data;
    private int[] _shape;

    private Tensor(DType dtype, Array data, int[] shape, int length)
    {
        DType = dtype;
        _data = data;
        _shape = shape;
        Length = length;
    }

    /// <summary>The element type.</summary>
    public DType DType { get; private set; }

    /// <summary>The number of elements: the product of the shape (1 for a scalar of rank 0).</summary>
    public int Length { get; private set; }

    /// <summary>Creates a float32 tensor holding a copy of <paramref name="values"/>.</summary>
    /// <param name="values">The elements in row-major order.</param>
    /// <param name="shape">The dimensions, outermost first; omitted means one dimension of <c>values.Length</c>.</param>
    /// <exception cref="ArgumentException">The values do not fill the shape exactly.</exception>
    public static Tensor FromArray(float[] values, params int[] shape) => FromValues(DType.Float32, values, shape);

    /// <summary>Creates a float64 tensor holding a copy of <paramref name="values"/>.</summary>
    /// <inheritdoc cref="FromArray(float[], int[])"/>
    public static Tensor FromArray(double[] values, params int[] shape) => FromValues(DType.Float64, values, shape);

    /// <summary>Creates an int32 tensor (class labels, for example) holding a copy of <paramref name="values"/>.</summary>
    /// <inheritdoc cref="FromArray(float[], int[])"/>
    public static Tensor FromArray(int[] values, params int[] shape) => FromValues(DType.Int32, values, shape);

    /// <summary>Creates an int64 tensor (a checkpoint's counter, for example) holding a copy of <paramref name="values"/>.</summary>
    /// <inheritdoc cref="FromArray(float[], int[])"/>
    public static Tensor FromArray(long[] values, params int[] shape) => FromValues(DType.Int64, values, shape);

    /// <summary>Creates a float32 tensor of zeros.</summary>
    /// <param name="shape">The dimensions, outermost first; none makes a scalar.</param>
    public static Tensor Zeros(params int[] shape) => Zeros(DType.Float32, shape);

    /// <summary>Creates a tensor of zeros of the given element type.</summary>
    /// <param name="dtype">The element type.</param>
    /// <param name="shape">The dimensions, outermost first; none makes a scalar.</param>
    public static Tensor Zeros(DType dtype, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Create(dtype, shape);
    }

    /// <summary>Creates a tensor of zeros with the shape and element type of <paramref name="other"/> (no gradient).</summary>
    public static Tensor ZerosLike(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Create(other.DType, other._shape);
    }

    /// <summary>Creates a float32 scalar: a tensor of rank 0 holding one value.</summary>
    public static Tensor Scalar(float value)
    {
        var scalar = Create(DType.Float32, []);
        scalar.AsSpan()[0] = value;
        return scalar;
    }

    /// <summary>
    /// Creates a tensor whose storage holds <paramref name="capacity"/> elements, of which the first
    /// <c>product(shape)</c> are in use. Compiled code sizes its buffers for the largest batch once and then
    /// changes the batch with <see cref="SetLeadingDim"/>, reusing the storage.
    /// </summary>
    /// <param name="dtype">The element type.</param>
    /// <param name="capacity">The number of ELEMENTS the storage holds (not the largest leading dimension).</param>
    /// <param name="shape">The initial logical shape; its element count must not exceed <paramref name="capacity"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The shape needs more elements than the capacity.</exception>
    public static Tensor CreateBuffer(DType dtype, int capacity, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        int length = ElementCount(shape, nameof(shape));
        if (capacity < length)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity,
                $"A buffer of {capacity} elements cannot hold shape {FormatShape(shape)} ({length} elements). " +
                "The capacity counts elements, for example maxBatch * features.");
        }
        return new Tensor(dtype, AllocateStorage(dtype, capacity), (int[])shape.Clone(), length);
    }

    /// <summary>A tensor of zeros; the shape is copied.</summary>
    internal static Tensor Create(DType dtype, ReadOnlySpan<int> shape)
    {
        int length = ElementCount(shape, nameof(shape));
        return new Tensor(dtype, AllocateStorage(dtype, length), shape.ToArray(), length);
    }

    /// <summary>A rank-0 tensor of the given floating-point type; constants such as the <c>2</c> in <c>x * 2f</c>.</summary>
    internal static Tensor ScalarOf(DType dtype, double value)
    {
        var scalar = Create(dtype, []);
        switch (dtype)
        {
            case DType.Float32: scalar.AsSpan()[0] = (float)value; break;
            case DType.Float64: scalar.AsSpanFloat64()[0] = value; break;
            case DType.Int64: scalar.AsSpanInt64()[0] = checked((long)value); break;
            default: scalar.AsSpanInt32()[0] = checked((int)value); break;
        }
        return scalar;
    }

    /// <summary>A copy of the logical elements, with no gradient and no graph.</summary>
    internal Tensor Clone()
    {
        var copy = Create(DType, _shape);
        Array.Copy(_data, copy._data, Length);
        return copy;
    }

    /// <summary>The shape without copying; callers must not change it.</summary>
    internal ReadOnlySpan<int> ShapeSpan => _shape;

    /// <summary>How many elements the storage holds (at least <see cref="Length"/>).</summary>
    internal int Capacity => _data.Length;

    /// <summary>
    /// The elements as a span of <typeparamref name="T"/>, exactly <see cref="Length"/> long. Lets one generic
    /// op body serve float32 and float64. A writable view: it moves <see cref="Version"/> (use
    /// <see cref="ReadOnlyData{T}"/> to only read).
    /// </summary>
    internal Span<T> Data<T>()
    {
        if (_data is not T[] array) throw WrongDType(typeof(T));
        MarkModified();
        return new Span<T>(array, 0, Length);
    }

    /// <summary>The product of the dimensions, after checking that none is negative.</summary>
    internal static int ElementCount(ReadOnlySpan<int> shape, string paramName)
    {
        int count = 1;
        foreach (int dim in shape)
        {
            if (dim < 0)
            {
                throw new ArgumentOutOfRangeException(paramName, $"Shape {FormatShape(shape)} has a negative dimension.");
            }
            count = checked(count * dim);
        }
        return count;
    }

    /// <summary>A shape as <c>[2, 3]</c>, the form every error message uses.</summary>
    internal static string FormatShape(ReadOnlySpan<int> shape)
    {
        var text = new DefaultInterpolatedStringHandler(2 + 3 * shape.Length, 0, System.Globalization.CultureInfo.InvariantCulture);
        text.AppendLiteral("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) text.AppendLiteral(", ");
            text.AppendFormatted(shape[i]);
        }
        text.AppendLiteral("]");
        return text.ToStringAndClear();
    }

    private static Tensor FromValues(DType dtype, Array values, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        int[] dims = shape.Length == 0 ? [values.Length] : (int[])shape.Clone();
        int length = ElementCount(dims, nameof(shape));
        if (length != values.Length)
        {
            throw new ArgumentException(
                $"{values.Length} values cannot fill shape {FormatShape(dims)}, which has {length} elements.", nameof(values));
        }
        var storage = AllocateStorage(dtype, length);
        Array.Copy(values, storage, length);
        return new Tensor(dtype, storage, dims, length);
    }

    private static Array AllocateStorage(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new float[length],
        DType.Float64 => new double[length],
        DType.Int32 => new int[length],
        DType.Int64 => new long[length],
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    private InvalidOperationException WrongDType(Type requested) =>
        new($"This tensor holds {DType} elements; it cannot be read as {requested.Name}.");
}
