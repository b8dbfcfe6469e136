namespace ModelGen;

/// <summary>Options for <c>Compile</c> on a generated model.</summary>
public sealed record CompileOptions
{
    /// <summary>
    /// The largest batch the compiled model accepts. Every buffer of the static memory plan is sized for it
    /// once, at <c>Compile</c>; smaller batches reuse the same memory.
    /// </summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>Validates the options and returns them.</summary>
    public CompileOptions Validate()
    {
        if (MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "MaxBatch must be at least 1.");
        return this;
    }
}
