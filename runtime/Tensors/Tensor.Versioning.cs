namespace ModelGen;

// The version counter: how compiled code knows that a copy it derived from a tensor (the GEMM's prepacked weight
// panels) is out of date. PyTorch keeps the same kind of counter for its in-place checks.
public sealed partial class Tensor
{
    private long _version;

    // A tensor made by Detach shares its source's storage, so it shares the counter too: the first tensor of that
    // storage owns it. Null when this tensor owns its storage.
    private Tensor? _storageOwner;

    /// <summary>
    /// A counter that moves whenever the elements may have changed. Compiled models use it to keep copies derived
    /// from a weight (the prepacked GEMM panels of <c>Forward</c>, see <see cref="CompileOptions.PrepackWeights"/>)
    /// in step with the weight.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The rule is conservative: every hand-out of a writable view counts as a write, when it is handed out.
    /// <see cref="AsSpan"/>, <see cref="AsSpanFloat64"/> and <see cref="AsSpanInt32"/> move the counter (so do the
    /// runtime's own writable views: optimizer steps, checkpoint loading, <c>Initialize</c>, pruning masks, eager
    /// ops writing results), as do <see cref="CastInPlace"/>, <see cref="SetLeadingDim"/> and
    /// <see cref="MarkModified"/>. The read-only views (<see cref="AsReadOnlySpan"/> and the like) and the copies
    /// (<see cref="ToArray"/> and the like) do not. A tensor made by <see cref="Detach"/> shares the counter of the
    /// tensor whose storage it shares.
    /// </para>
    /// <para>
    /// The one thing the counter cannot see: a write through a span obtained BEFORE a derived copy was made, for
    /// example <c>var w = weight.AsSpan(); compiled.Forward(x); w[0] = 1f; compiled.Forward(x);</c> — the second
    /// <c>Forward</c> still uses the panels packed by the first. Obtain the span again after the
    /// <c>Forward</c>, call <see cref="MarkModified"/> after writing, or compile with
    /// <c>PrepackWeights = false</c>. (Tensors never wrap a caller's array: <c>FromArray</c> copies, so writing
    /// to the array passed in cannot change a tensor.)
    /// </para>
    /// </remarks>
    public long Version => (_storageOwner ?? this)._version;

    /// <summary>
    /// Declares that the elements changed (moves <see cref="Version"/>), so that compiled models repack their
    /// copies of this tensor before the next use. Needed only after writing through a span obtained before the
    /// compiled model last ran (see <see cref="Version"/>).
    /// </summary>
    public void MarkModified() => (_storageOwner ?? this)._version++;

    /// <summary>The float32 elements, read-only, exactly <see cref="Length"/> long; unlike <see cref="AsSpan"/> it leaves <see cref="Version"/> alone.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Float32"/>.</exception>
    public ReadOnlySpan<float> AsReadOnlySpan() => ReadOnlyData<float>();

    /// <summary>The float64 elements, read-only, exactly <see cref="Length"/> long; leaves <see cref="Version"/> alone.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Float64"/>.</exception>
    public ReadOnlySpan<double> AsReadOnlySpanFloat64() => ReadOnlyData<double>();

    /// <summary>The int32 elements, read-only, exactly <see cref="Length"/> long; leaves <see cref="Version"/> alone.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Int32"/>.</exception>
    public ReadOnlySpan<int> AsReadOnlySpanInt32() => ReadOnlyData<int>();

    /// <summary>The int64 elements, read-only, exactly <see cref="Length"/> long; leaves <see cref="Version"/> alone.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not <see cref="DType.Int64"/>.</exception>
    public ReadOnlySpan<long> AsReadOnlySpanInt64() => ReadOnlyData<long>();

    /// <summary>The elements as a read-only span of <typeparamref name="T"/>: <see cref="Data{T}"/> for code that only reads.</summary>
    internal ReadOnlySpan<T> ReadOnlyData<T>()
    {
        if (_data is not T[] array) throw WrongDType(typeof(T));
        return new ReadOnlySpan<T>(array, 0, Length);
    }

    /// <summary>A tensor over this one's storage, sharing its version counter.</summary>
    private Tensor ShareStorage(int[] shape)
        => new(DType, _data, shape, Length) { _storageOwner = _storageOwner ?? this };
}
