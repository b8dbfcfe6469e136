namespace ModelGen;

/// <summary>One tensor read from a safetensors file.</summary>
/// <param name="Name">The tensor's key in the header, for example <c>fc1.weight</c>.</param>
/// <param name="StoredDType">The dtype the file stores it in; F16 and BF16 arrive in a float32 <see cref="Value"/>.</param>
/// <param name="Value">The elements, in a new tensor this file owns (see <see cref="SafeTensorsDTypeExtensions.LoadedDType"/>).</param>
public sealed record SafeTensor(string Name, SafeTensorsDType StoredDType, Tensor Value)
{
    /// <summary>The dimensions as stored (a copy).</summary>
    public int[] Shape => Value.Shape;
}

/// <summary>
/// The contents of a safetensors file, as <see cref="SafeTensors.Read(string)"/> returns them: the metadata and
/// every tensor, in the order of the file's header.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, SafeTensor> _byName;

    internal SafeTensorsFile(IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
        _byName = new Dictionary<string, SafeTensor>(tensors.Count, StringComparer.Ordinal);
        foreach (var tensor in tensors) _byName.Add(tensor.Name, tensor);
    }

    /// <summary>The <c>__metadata__</c> strings, in header order (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in header order.</summary>
    public IReadOnlyList<SafeTensor> Tensors { get; }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public SafeTensor this[string name] =>
        _byName.TryGetValue(name, out var tensor) ? tensor : throw new KeyNotFoundException($"The file has no tensor '{name}'.");

    /// <summary>Finds the tensor called <paramref name="name"/>.</summary>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out SafeTensor tensor) =>
        _byName.TryGetValue(name, out tensor);

    /// <summary>The tensors as a state dict: name to value, in header order (the values are this file's tensors, not copies).</summary>
    public OrderedDictionary<string, Tensor> ToStateDict()
    {
        var stateDict = new OrderedDictionary<string, Tensor>(Tensors.Count, StringComparer.Ordinal);
        foreach (var tensor in Tensors) stateDict.Add(tensor.Name, tensor.Value);
        return stateDict;
    }
}

/// <summary>How <see cref="SafeTensors"/> writes tensors.</summary>
public sealed record SafeTensorsWriteOptions
{
    /// <summary>
    /// The dtype every floating-point tensor is stored as: <see cref="SafeTensorsDType.F16"/> or
    /// <see cref="SafeTensorsDType.BF16"/> halve a float32 checkpoint (rounded to nearest, ties to even), F32 or
    /// F64 convert between the two. Null (the default) stores each tensor in its own dtype. Integer tensors always
    /// keep theirs.
    /// </summary>
    public SafeTensorsDType? FloatDType { get; init; }
}
