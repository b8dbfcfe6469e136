namespace ModelGen.Optim;

/// <summary>Building and reading the tensors of optimizer and scheduler state dictionaries.</summary>
internal static class StateTensors
{
    /// <summary>A 0-d float64 tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value)
    {
        var scalar = Tensor.Zeros(DType.Float64);
        scalar.AsSpanFloat64()[0] = value;
        return scalar;
    }

    /// <summary>A deep copy: same shape, dtype and values, no gradient.</summary>
    public static Tensor Clone(Tensor source)
    {
        var copy = Tensor.ZerosLike(source);
        CopyInto(source, copy);
        return copy;
    }

    /// <summary>Copies the values of <paramref name="source"/> into <paramref name="destination"/> of the same length, converting the dtype.</summary>
    public static void CopyInto(Tensor source, Tensor destination)
    {
        if (source.Length != destination.Length)
        {
            throw new ArgumentException($"Cannot copy {source.Length} values into a tensor of {destination.Length}.");
        }
        switch (source.DType, destination.DType)
        {
            case (DType.Float32, DType.Float32): source.AsSpan().CopyTo(destination.AsSpan()); break;
            case (DType.Float64, DType.Float64): source.AsSpanFloat64().CopyTo(destination.AsSpanFloat64()); break;
            case (_, DType.Float32):
                {
                    double[] values = source.ToArrayFloat64();
                    Span<float> target = destination.AsSpan();
                    for (int i = 0; i < values.Length; i++) target[i] = (float)values[i];
                    break;
                }
            case (_, DType.Float64): source.ToArrayFloat64().CopyTo(destination.AsSpanFloat64()); break;
            default: throw new ArgumentException($"Cannot copy into a {destination.DType} tensor.");
        }
    }

    /// <summary>The tensor under <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The key is missing.</exception>
    public static Tensor Require(IReadOnlyDictionary<string, Tensor> state, string key) =>
        state.TryGetValue(key, out var tensor) && tensor is not null
            ? tensor
            : throw new ArgumentException($"The state dict has no '{key}'.", nameof(state));

    /// <summary>The single value under <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The key is missing or holds more than one value.</exception>
    public static double RequireScalar(IReadOnlyDictionary<string, Tensor> state, string key)
    {
        Tensor tensor = Require(state, key);
        if (tensor.Length != 1) throw new ArgumentException($"'{key}' should hold one value but holds {tensor.Length}.", nameof(state));
        return tensor.ItemFloat64();
    }

    /// <summary>Checks that the tensor under <paramref name="key"/> has <paramref name="like"/>'s shape.</summary>
    /// <exception cref="ArgumentException">The key is missing or the shape differs.</exception>
    public static void RequireShape(IReadOnlyDictionary<string, Tensor> state, string key, Tensor like)
    {
        Tensor tensor = Require(state, key);
        if (!tensor.ShapeSpan.SequenceEqual(like.ShapeSpan))
        {
            throw new ArgumentException(
                $"'{key}' has shape {Tensor.FormatShape(tensor.ShapeSpan)} but the parameter has {Tensor.FormatShape(like.ShapeSpan)}.", nameof(state));
        }
    }
}
