using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>Argument checks of generated compiled models: a caller's tensor against the shape traced at build time.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CompiledChecks
{
    /// <summary>In an expected shape: a named dimension other than the batch, whose size <see cref="Size"/> checks.</summary>
    public const int AnySize = -2;

    /// <summary>
    /// The largest size of the named dimension <paramref name="symbol"/> the model is compiled for, from
    /// <see cref="CompileOptions.MaxSizes"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The options give no bound, or one below 1.</exception>
    public static int MaxSize(CompileOptions options, string symbol)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxSizes.TryGetValue(symbol, out int max) && max >= 1) return max;
        throw new InvalidOperationException(
            $"The model has a dimension named '{symbol}', so Compile needs its largest size: " +
            $"new CompileOptions {{ MaxSizes = new Dictionary<string, int> {{ [\"{symbol}\"] = 128 }} }}" +
            (options.MaxSizes.ContainsKey(symbol) ? $" (it is {options.MaxSizes[symbol]}, which is not a size)." : "."));
    }

    /// <summary>The size of the named dimension <paramref name="symbol"/> on <paramref name="axis"/> of a caller's tensor, checked against its compiled bound.</summary>
    public static int Size(Tensor tensor, int axis, string name, string symbol, int max)
    {
        int size = tensor.Size(axis);
        if (size < 1 || size > max)
            throw new ArgumentOutOfRangeException(name, size,
                $"Dimension '{symbol}' of '{name}' (axis {axis}) must be between 1 and {max}, the CompileOptions.MaxSizes[\"{symbol}\"] the model was compiled with.");
        return size;
    }

    /// <summary>Checks that a second tensor has the same size of the named dimension <paramref name="symbol"/>.</summary>
    public static void SameSize(int size, Tensor other, int axis, string name, string symbol)
    {
        if (other.Size(axis) != size)
            throw new ArgumentException($"Dimension '{symbol}' of '{name}' (axis {axis}) is {other.Size(axis)}, but an earlier input gives it {size}.", name);
    }

    /// <summary>Sets the logical shape of a compiled output buffer to this call's sizes (its storage holds the largest).</summary>
    public static void Resize(Tensor buffer, ReadOnlySpan<int> shape) => buffer.SetShape(shape);

    /// <summary>
    /// Checks dtype, rank and every static dimension (-1 in <paramref name="expected"/> marks the batch, <see cref="AnySize"/> another named dimension) and
    /// returns the batch size, which must be between 1 and <paramref name="maxBatch"/> (1 when no dim is the batch).
    /// </summary>
    public static int Batch(Tensor tensor, string name, DType dtype, ReadOnlySpan<int> expected, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.DType != dtype)
            throw new ArgumentException($"'{name}' must be {dtype} but is {tensor.DType}.", name);
        bool rankFits = tensor.Rank == expected.Length;
        int batch = 1;
        for (int axis = 0; rankFits && axis < expected.Length; axis++)
        {
            if (expected[axis] == AnySize) continue; // a named dimension, checked by Size
            if (expected[axis] < 0) batch = tensor.Size(axis);
            else if (tensor.Size(axis) != expected[axis]) rankFits = false;
        }
        if (!rankFits)
            throw new ArgumentException($"'{name}' must have shape {Describe(expected)} but has [{string.Join(", ", tensor.Shape)}].", name);
        if (batch < 1 || batch > maxBatch)
            throw new ArgumentOutOfRangeException(name, batch, $"The batch of '{name}' must be between 1 and MaxBatch ({maxBatch}); compile with a larger CompileOptions.MaxBatch.");
        return batch;
    }

    /// <summary>Checks that a second tensor has the same batch size as the input.</summary>
    public static void SameBatch(int batch, int other, string name)
    {
        if (batch != other)
            throw new ArgumentException($"'{name}' has batch {other} but the input has batch {batch}.", name);
    }

    private static string Describe(ReadOnlySpan<int> expected)
    {
        var dims = new string[expected.Length];
        for (int i = 0; i < dims.Length; i++) dims[i] = expected[i] == AnySize ? "*" : expected[i] < 0 ? "B" : expected[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", dims) + "]";
    }

    /// <summary>
    /// The integer value of <paramref name="passes"/>, which generated code uses to index its schedule tables.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="passes"/> has bits outside <see cref="OptimizationPasses.All"/>.</exception>
    public static int Passes(OptimizationPasses passes)
    {
        if ((passes & ~OptimizationPasses.All) != 0)
            throw new ArgumentOutOfRangeException(nameof(passes), passes, "Only the flags of OptimizationPasses.All can be set.");
        return (int)passes;
    }

    /// <summary>The entry of a generated schedule table marking a setting of the pass switches that was not compiled.</summary>
    public const byte NotCompiled = 255;

    /// <summary>
    /// The schedule a generated method runs for <paramref name="passes"/>, from its table (indexed by the passes'
    /// value). The generator compiles every pass on, every pass but one, every pass but a group
    /// (<see cref="OptimizationPasses.Fusion"/>, <see cref="OptimizationPasses.GraphPruning"/>), and none.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="passes"/> has bits outside <see cref="OptimizationPasses.All"/>.</exception>
    /// <exception cref="NotSupportedException"><paramref name="passes"/> is not one of the compiled settings.</exception>
    public static int Schedule(ReadOnlySpan<byte> table, OptimizationPasses passes)
    {
        byte schedule = table[Passes(passes)];
        if (schedule == NotCompiled)
        {
            throw new NotSupportedException($"Passes = {passes} was not compiled: a model is compiled with every pass on, every pass but one, " +
                "every pass but OptimizationPasses.Fusion or OptimizationPasses.GraphPruning, or none.");
        }
        return schedule;
    }
}
