namespace ModelGen;

/// <summary>
/// Saving and loading a model's state as PyTorch's <c>state_dict</c> does, in safetensors files that
/// <c>safetensors.torch.load_file</c> reads and <c>model.load_state_dict</c> accepts (and the reverse).
/// </summary>
/// <remarks>
/// <para>
/// The state dict holds, layer by layer in declaration order (PyTorch's order): the layer's parameters under the
/// names <see cref="IModel.Parameters"/> gives them, its buffers as <c>&lt;layer&gt;.&lt;buffer&gt;</c>, and for
/// batch norm <c>&lt;layer&gt;.num_batches_tracked</c>, an int64 scalar. Parameters that belong to no layer
/// follow.
/// </para>
/// <para>
/// Loading checks everything before it writes anything, so a failed load leaves the model as it was. Values are
/// copied into the model's own tensors, which compiled models share; the copy moves each tensor's
/// <see cref="Tensor.Version"/>, so a compiled <c>Forward</c> repacks its prepacked weights before its next use
/// (an int8-quantised compile keeps the codes it made at <c>Compile</c>: compile again after loading).
/// Floating-point values convert to the model's dtype: a float32 model loads F16, BF16 and F64 files, and a
/// float64 model (<see cref="ModelExtensions.CastInPlace"/>) loads float32 ones. An integer stored for a float, or
/// a float for <c>num_batches_tracked</c>, is a dtype mismatch. A checkpoint without <c>num_batches_tracked</c>
/// is not missing it: the counter keeps its value, as PyTorch's batch norm does for older state dicts.
/// </para>
/// </remarks>
public static class ModelCheckpoints
{
    /// <summary>The key suffix of batch norm's counter, as PyTorch names it.</summary>
    public const string NumBatchesTracked = "num_batches_tracked";

    /// <summary>
    /// The model's state: every parameter and buffer by its dotted name, in PyTorch's order. The values are the
    /// model's own tensors (not copies, as in PyTorch), except each <c>num_batches_tracked</c>, a new int64 scalar.
    /// </summary>
    public static OrderedDictionary<string, Tensor> StateDict(this IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var stateDict = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in StateEntries(model))
        {
            stateDict.Add(entry.Name, entry.Tensor ?? CounterTensor(entry.Counter!.NumBatchesTracked));
        }
        return stateDict;
    }

    /// <summary>
    /// Writes <see cref="StateDict"/> to a safetensors file at <paramref name="path"/>, atomically (see
    /// <see cref="SafeTensors.Write(string, IEnumerable{ValueTuple{string, Tensor}}, IReadOnlyDictionary{string, string}?, SafeTensorsWriteOptions?)"/>).
    /// </summary>
    /// <param name="model">The model to save.</param>
    /// <param name="path">The destination; an existing file is replaced.</param>
    /// <param name="metadata">Strings for the header's <c>__metadata__</c>; <c>"format": "pt"</c> (what Hugging Face loaders look for) is added unless given.</param>
    /// <param name="options">For example <c>FloatDType = SafeTensorsDType.BF16</c> to halve the file.</param>
    public static void Save(this IModel model, string path, IReadOnlyDictionary<string, string>? metadata = null, SafeTensorsWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        var withFormat = new OrderedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        if (metadata is not null) foreach (var (key, value) in metadata) withFormat[key] = value;
        SafeTensors.Write(path, model.StateDict().Select(pair => (pair.Key, pair.Value)), withFormat, options);
    }

    /// <summary>Loads a safetensors checkpoint into the model, in place (see the remarks of <see cref="ModelCheckpoints"/>).</summary>
    /// <param name="model">The model to load into.</param>
    /// <param name="path">A safetensors file, written by <see cref="Save"/> or by <c>safetensors.torch.save_file</c>.</param>
    /// <param name="strict">True (the default): any missing, unexpected or mismatched key throws and nothing is loaded.
    /// False: every matching key is loaded and the rest reported.</param>
    /// <returns>What was loaded and every problem found.</returns>
    /// <exception cref="CheckpointMismatchException"><paramref name="strict"/> and the checkpoint does not match the model.</exception>
    /// <exception cref="SafeTensorsFormatException">The file is not a valid safetensors file.</exception>
    public static LoadReport Load(this IModel model, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        var file = SafeTensors.Read(path);
        return Apply(model, [.. file.Tensors.Select(t => (t.Name, t.Value, t.StoredDType.HeaderName()))], strict, path);
    }

    /// <summary>Loads a state dict held in memory into the model, in place, as <see cref="Load"/> loads a file.</summary>
    /// <exception cref="CheckpointMismatchException"><paramref name="strict"/> and the state dict does not match the model.</exception>
    public static LoadReport LoadStateDict(this IModel model, IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stateDict);
        return Apply(model, [.. stateDict.Select(pair => (pair.Key, pair.Value, pair.Value.DType.ToString()))], strict, "state dict");
    }

    /// <summary>Checks every key, then (strict and clean, or not strict) copies what matched.</summary>
    private static LoadReport Apply(IModel model, List<(string Name, Tensor Value, string StoredDType)> source, bool strict, string sourceName)
    {
        var byName = new Dictionary<string, (Tensor Value, string StoredDType)>(StringComparer.Ordinal);
        foreach (var (name, value, stored) in source) byName[name] = (value, stored);

        var expected = StateEntries(model);
        var expectedNames = new HashSet<string>(expected.Select(entry => entry.Name), StringComparer.Ordinal);
        List<string> loaded = [], missing = [];
        List<ShapeMismatch> shapes = [];
        List<DTypeMismatch> dtypes = [];
        var copies = new List<(StateEntry Target, Tensor Value)>();
        foreach (var entry in expected)
        {
            if (!byName.TryGetValue(entry.Name, out var found))
            {
                if (entry.Counter is null) missing.Add(entry.Name);
                continue;
            }
            var (value, stored) = found;
            bool counter = entry.Counter is not null;
            DType modelDType = counter ? DType.Int64 : entry.Tensor!.DType;
            if (counter ? value.DType.IsFloatingPoint() : !value.DType.IsFloatingPoint())
            {
                dtypes.Add(new DTypeMismatch(entry.Name, modelDType.ToString(), stored));
                continue;
            }
            ReadOnlySpan<int> modelShape = counter ? [] : entry.Tensor!.ShapeSpan;
            if (!modelShape.SequenceEqual(value.ShapeSpan))
            {
                shapes.Add(new ShapeMismatch(entry.Name, modelShape.ToArray(), value.Shape));
                continue;
            }
            loaded.Add(entry.Name);
            copies.Add((entry, value));
        }
        List<string> unexpected = [.. source.Select(s => s.Name).Where(name => !expectedNames.Contains(name))];
        var report = new LoadReport(sourceName, loaded, missing, unexpected, shapes, dtypes);
        if (strict && !report.IsExactMatch) throw new CheckpointMismatchException(report);
        foreach (var (target, value) in copies) CopyInto(target, value);
        return report;
    }

    /// <summary>Copies (converting between float32 and float64) into the model's tensor, or sets the counter.</summary>
    private static void CopyInto(StateEntry target, Tensor value)
    {
        if (target.Counter is { } norm)
        {
            norm.NumBatchesTracked = value.DType == DType.Int64 ? value.AsReadOnlySpanInt64()[0] : value.AsReadOnlySpanInt32()[0];
            return;
        }
        var tensor = target.Tensor!;
        switch (tensor.DType, value.DType)
        {
            case (DType.Float32, DType.Float32): value.AsReadOnlySpan().CopyTo(tensor.AsSpan()); break;
            case (DType.Float64, DType.Float64): value.AsReadOnlySpanFloat64().CopyTo(tensor.AsSpanFloat64()); break;
            case (DType.Float32, DType.Float64):
            {
                var src = value.AsReadOnlySpanFloat64();
                var dst = tensor.AsSpan();
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)src[i];
                break;
            }
            default:
            {
                var src = value.AsReadOnlySpan();
                var dst = tensor.AsSpanFloat64();
                for (int i = 0; i < dst.Length; i++) dst[i] = src[i];
                break;
            }
        }
    }

    /// <summary>One key of the state dict: a tensor of the model, or a batch norm's counter.</summary>
    private sealed record StateEntry(string Name, Tensor? Tensor, BatchNorm? Counter);

    private static List<StateEntry> StateEntries(IModel model)
    {
        var parameterNames = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var parameter in model.Parameters()) parameterNames.TryAdd(parameter.Value, parameter.Name);
        var entries = new List<StateEntry>();
        var listed = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (path, layer) in model.Layers())
        {
            foreach (var (local, tensor) in layer.NamedParameters())
            {
                if (listed.Add(tensor)) entries.Add(new StateEntry(parameterNames.GetValueOrDefault(tensor) ?? $"{path}.{local}", tensor, null));
            }
            foreach (var (local, tensor) in layer.NamedBuffers())
            {
                if (listed.Add(tensor)) entries.Add(new StateEntry($"{path}.{local}", tensor, null));
            }
            if (layer is BatchNorm norm) entries.Add(new StateEntry($"{path}.{NumBatchesTracked}", null, norm));
        }
        foreach (var parameter in model.Parameters())
        {
            if (listed.Add(parameter.Value)) entries.Add(new StateEntry(parameter.Name, parameter.Value, null));
        }
        return entries;
    }

    private static Tensor CounterTensor(long count)
    {
        var scalar = Tensor.Zeros(DType.Int64);
        scalar.AsSpanInt64()[0] = count;
        return scalar;
    }
}
