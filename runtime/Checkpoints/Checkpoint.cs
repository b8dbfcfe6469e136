namespace ModelGen;

/// <summary>
/// State dicts of anything (an optimizer's moments, a schedule's step, a model's tensors) in safetensors files:
/// the plain name-to-tensor form that <c>safetensors.torch.save_file</c> and <c>load_file</c> use.
/// </summary>
public static class Checkpoint
{
    /// <summary>Writes <paramref name="stateDict"/> (in its enumeration order) and <paramref name="metadata"/> to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">A key is empty or <c>__metadata__</c>.</exception>
    public static void SaveStateDict(string path, IReadOnlyDictionary<string, Tensor> stateDict,
        IReadOnlyDictionary<string, string>? metadata = null, SafeTensorsWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        SafeTensors.Write(path, stateDict.Select(pair => (pair.Key, pair.Value)), metadata, options);
    }

    /// <summary>Reads every tensor of the safetensors file at <paramref name="path"/>, in the file's header order.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not a valid safetensors file.</exception>
    public static OrderedDictionary<string, Tensor> LoadStateDict(string path) => SafeTensors.Read(path).ToStateDict();

    /// <summary>Reads every tensor and the metadata of the safetensors file at <paramref name="path"/>.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not a valid safetensors file.</exception>
    public static OrderedDictionary<string, Tensor> LoadStateDict(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        var file = SafeTensors.Read(path);
        metadata = file.Metadata;
        return file.ToStateDict();
    }
}
