namespace ModelGen;

// Inspection, storage access and the two in-place storage changes (batch size, dtype).
public sealed partial class Tensor
{
    /// <summary>The dimensions, outermost first: a copy, so changing it does not change the tensor.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The number of dimensions (0 for a scalar).</summary>
    public int Rank => _shape.Length;

    /// <summary>The size of one dimension; a negative axis counts from the end (-1 is the last).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside [-Rank, Rank).</exception>
    public int Size(int axis)
    {
        int resolved = axis < 0 ? axis + Rank : axis;
        if ((uint)resolved >= (uint)Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is out of range for shape {FormatShape(_shape)}.");
        }
        return _shape[resolved];
    }

    /// <summary>
    /// The float32 elements, exactly <see cref="Length"/> long, sharing the storage. A writable view: handing it
    /// out moves <see cref="Version"/>; to only read, use <see cref="AsReadOnlySpan"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Float32"/>.</exception>
    public Span<float> AsSpan() => Data<float>();

    /// <summary>The float64 elements, exactly <see cref="Length"/> long, sharing the storage; moves <see cref="Version"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Float64"/>.</exception>
    public Span<double> AsSpanFloat64() => Data<double>();

    /// <summary>The int32 elements, exactly <see cref="Length"/> long, sharing the storage; moves <see cref="Version"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Int32"/>.</exception>
    public Span<int> AsSpanInt32() => Data<int>();

    /// <summary>The int64 elements, exactly <see cref="Length"/> long, sharing the storage; moves <see cref="Version"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Int64"/>.</exception>
    public Span<long> AsSpanInt64() => Data<long>();

    /// <summary>A copy of the elements as float32, converting from any dtype.</summary>
    public float[] ToArray()
    {
        var result = new float[Length];
        switch (_data)
        {
            case float[] f: Array.Copy(f, result, Length); break;
            case double[] d: for (int i = 0; i < result.Length; i++) result[i] = (float)d[i]; break;
            case int[] n: for (int i = 0; i < result.Length; i++) result[i] = n[i]; break;
            case long[] l: for (int i = 0; i < result.Length; i++) result[i] = l[i]; break;
        }
        return result;
    }

    /// <summary>A copy of the elements as float64, converting from any dtype (exactly, except int64 beyond 2^53).</summary>
    public double[] ToArrayFloat64()
    {
        var result = new double[Length];
        switch (_data)
        {
            case float[] f: for (int i = 0; i < result.Length; i++) result[i] = f[i]; break;
            case double[] d: Array.Copy(d, result, Length); break;
            case int[] n: for (int i = 0; i < result.Length; i++) result[i] = n[i]; break;
            case long[] l: for (int i = 0; i < result.Length; i++) result[i] = l[i]; break;
        }
        return result;
    }

    /// <summary>A copy of the elements of an int32 tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Int32"/>.</exception>
    public int[] ToArrayInt32() => AsReadOnlySpanInt32().ToArray();

    /// <summary>A copy of the elements of an int64 tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Int64"/>.</exception>
    public long[] ToArrayInt64() => AsReadOnlySpanInt64().ToArray();

    /// <summary>The single value of a one-element tensor, as float32.</summary>
    /// <exception cref="InvalidOperationException">The tensor does not hold exactly one element.</exception>
    public float Item() => (float)ItemFloat64();

    /// <summary>The single value of a one-element tensor, as float64.</summary>
    /// <exception cref="InvalidOperationException">The tensor does not hold exactly one element.</exception>
    public double ItemFloat64()
    {
        if (Length != 1)
        {
            throw new InvalidOperationException(
                $"Item() needs a tensor with exactly one element; this one has shape {FormatShape(_shape)} ({Length} elements).");
        }
        return _data switch
        {
            float[] f => f[0],
            double[] d => d[0],
            long[] l => l[0],
            _ => ((int[])_data)[0],
        };
    }

    /// <summary>Sets the whole logical shape of a buffer, within its storage (compiled outputs with named dimensions).</summary>
    internal void SetShape(ReadOnlySpan<int> shape)
    {
        if (shape.Length != _shape.Length) throw new ArgumentException($"A buffer of rank {_shape.Length} cannot take a shape of rank {shape.Length}.", nameof(shape));
        long length = 1;
        foreach (int d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            length *= d;
        }
        if (length > _data.Length) throw new ArgumentOutOfRangeException(nameof(shape), $"Shape {FormatShape(shape)} needs {length} elements but the storage holds {_data.Length}.");
        shape.CopyTo(_shape);
        Length = (int)length;
        MarkModified();
    }

    /// <summary>
    /// Changes the leading dimension (the batch) and keeps the storage, so that one buffer serves every batch
    /// size up to its capacity. Elements beyond the new length keep their values.
    /// </summary>
    /// <param name="n">The new size of dimension 0.</param>
    /// <exception cref="InvalidOperationException">The tensor is a scalar.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative or needs more elements than the storage holds.</exception>
    public void SetLeadingDim(int n)
    {
        if (Rank == 0) throw new InvalidOperationException("A scalar has no leading dimension to set.");
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        long rowLength = 1;
        for (int i = 1; i < _shape.Length; i++) rowLength *= _shape[i];
        long length = n * rowLength;
        if (length > _data.Length)
        {
            long maxRows = rowLength == 0 ? long.MaxValue : _data.Length / rowLength;
            throw new ArgumentOutOfRangeException(nameof(n), n,
                $"Leading dimension {n} needs {length} elements but the storage holds {_data.Length} " +
                $"(at most {maxRows} rows of shape {FormatShape(_shape.AsSpan(1))}).");
        }
        _shape[0] = n;
        Length = (int)length;
        MarkModified(); // the elements a span covers changed
    }

    /// <summary>
    /// Converts the storage (all of it, up to the capacity) and <see cref="Grad"/> to another element type,
    /// keeping this object, so that layers and parameters holding it see the change. Gradient checks use it to
    /// run a float32 model in float64.
    /// </summary>
    /// <exception cref="InvalidOperationException">Casting a tensor that requires a gradient to an integer dtype.</exception>
    public void CastInPlace(DType dtype)
    {
        if (dtype == DType) return;
        if (!dtype.IsFloatingPoint() && (RequiresGrad || _grad is not null))
        {
            throw new InvalidOperationException($"A tensor that requires a gradient cannot become {dtype}: gradients are floating-point.");
        }
        _data = ConvertStorage(_data, dtype);
        DType = dtype;
        MarkModified();
        _grad?.CastInPlace(dtype);
    }

    private static Array ConvertStorage(Array source, DType dtype)
    {
        int n = source.Length;
        switch (dtype)
        {
            case DType.Float32:
            {
                var result = new float[n];
                for (int i = 0; i < n; i++) result[i] = (float)ElementAsDouble(source, i);
                return result;
            }
            case DType.Float64:
            {
                var result = new double[n];
                for (int i = 0; i < n; i++) result[i] = ElementAsDouble(source, i);
                return result;
            }
            case DType.Int32:
            {
                // Truncation toward zero, as a C# cast (and torch's .to(torch.int32)) does.
                var result = new int[n];
                if (source is long[] l) for (int i = 0; i < n; i++) result[i] = (int)l[i];
                else for (int i = 0; i < n; i++) result[i] = (int)ElementAsDouble(source, i);
                return result;
            }
            case DType.Int64:
            {
                var result = new long[n];
                if (source is int[] s) for (int i = 0; i < n; i++) result[i] = s[i];
                else for (int i = 0; i < n; i++) result[i] = (long)ElementAsDouble(source, i);
                return result;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype.");
        }
    }

    // Float32, Float64 and Int32 are exact in a double; Int64 beyond 2^53 rounds (as torch's .double() does).
    private static double ElementAsDouble(Array source, int i) => source switch
    {
        float[] f => f[i],
        double[] d => d[i],
        int[] n => n[i],
        _ => ((long[])source)[i],
    };
}
