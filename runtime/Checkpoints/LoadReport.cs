using System.Text;

namespace ModelGen;

/// <summary>A tensor whose shape in the checkpoint differs from the model's.</summary>
/// <param name="Name">The state-dict key, for example <c>fc1.weight</c>.</param>
/// <param name="ModelShape">The shape of the model's tensor.</param>
/// <param name="CheckpointShape">The shape stored in the checkpoint.</param>
public sealed record ShapeMismatch(string Name, int[] ModelShape, int[] CheckpointShape)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: the model has shape {Tensor.FormatShape(ModelShape)}, the checkpoint {Tensor.FormatShape(CheckpointShape)}";
}

/// <summary>A tensor whose element type in the checkpoint cannot be converted to the model's (an integer for a float, or the reverse).</summary>
/// <param name="Name">The state-dict key.</param>
/// <param name="ModelDType">What the model holds: a <see cref="DType"/> name.</param>
/// <param name="CheckpointDType">What the checkpoint stores: a safetensors dtype (<c>F16</c>) or a <see cref="DType"/> name.</param>
public sealed record DTypeMismatch(string Name, string ModelDType, string CheckpointDType)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name}: the model holds {ModelDType}, the checkpoint {CheckpointDType}";
}

/// <summary>
/// What loading a checkpoint into a model found: which keys it loaded, and every problem, each naming its tensor.
/// A strict load that finds any problem throws <see cref="CheckpointMismatchException"/> with this report instead
/// of loading; a non-strict load loads every key without a problem and returns it.
/// </summary>
public sealed class LoadReport
{
    internal LoadReport(string source, IReadOnlyList<string> loaded, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected,
        IReadOnlyList<ShapeMismatch> shapes, IReadOnlyList<DTypeMismatch> dtypes)
    {
        Source = source;
        LoadedKeys = loaded;
        MissingKeys = missing;
        UnexpectedKeys = unexpected;
        ShapeMismatches = shapes;
        DTypeMismatches = dtypes;
    }

    /// <summary>The file (or the name of the state dict) that was loaded.</summary>
    public string Source { get; }

    /// <summary>The keys whose values were (or, for a failed strict load, would have been) copied into the model, in state-dict order.</summary>
    public IReadOnlyList<string> LoadedKeys { get; }

    /// <summary>Keys of the model's state dict that the checkpoint lacks; their tensors keep their values.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys of the checkpoint that the model does not have, in the checkpoint's order.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Keys both have, with different shapes; not loaded.</summary>
    public IReadOnlyList<ShapeMismatch> ShapeMismatches { get; }

    /// <summary>Keys both have, with element types that do not convert; not loaded.</summary>
    public IReadOnlyList<DTypeMismatch> DTypeMismatches { get; }

    /// <summary>True when the checkpoint matched the model exactly: nothing missing, unexpected or mismatched.</summary>
    public bool IsExactMatch => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0 && ShapeMismatches.Count == 0 && DTypeMismatches.Count == 0;

    /// <summary>The number of problems of every kind.</summary>
    public int ProblemCount => MissingKeys.Count + UnexpectedKeys.Count + ShapeMismatches.Count + DTypeMismatches.Count;

    /// <summary>One line per problem (missing, unexpected, shape, dtype), or a line saying that everything matched.</summary>
    public override string ToString()
    {
        if (IsExactMatch) return $"{Source}: all {LoadedKeys.Count} keys matched the model.";
        var text = new StringBuilder();
        text.Append(Source).Append(": ").Append(ProblemCount).Append(ProblemCount == 1 ? " problem" : " problems")
            .Append(" (").Append(LoadedKeys.Count).Append(" keys matched):");
        foreach (string key in MissingKeys) text.Append("\n  missing key: ").Append(key);
        foreach (string key in UnexpectedKeys) text.Append("\n  unexpected key: ").Append(key);
        foreach (var shape in ShapeMismatches) text.Append("\n  shape mismatch: ").Append(shape);
        foreach (var dtype in DTypeMismatches) text.Append("\n  dtype mismatch: ").Append(dtype);
        return text.ToString();
    }
}

/// <summary>
/// A strict load found that the checkpoint does not match the model; the message lists every problem and
/// <see cref="Report"/> holds them. The model was not changed.
/// </summary>
public sealed class CheckpointMismatchException : InvalidOperationException
{
    /// <summary>Wraps the report of the failed load.</summary>
    public CheckpointMismatchException(LoadReport report)
        : base("The checkpoint does not match the model; nothing was loaded. " + (report ?? throw new ArgumentNullException(nameof(report))))
    {
        Report = report;
    }

    /// <summary>Every problem the load found.</summary>
    public LoadReport Report { get; }
}
