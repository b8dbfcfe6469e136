namespace ModelGen;

/// <summary>Options for <c>Compile</c> on a generated model.</summary>
public sealed record CompileOptions
{
    /// <summary>
    /// The largest batch the compiled model accepts. Every buffer of the static memory plan is sized for it
    /// once, at <c>Compile</c>; smaller batches reuse the same memory.
    /// </summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>
    /// Post-training int8 quantisation of the compiled Forward (null: float32 throughout), e.g.
    /// <c>QuantizationOptions.Int8(calibration: batches, method: Calibration.Percentile(99.99))</c>. Linear layers
    /// then run int8 GEMMs; the rest, and all training, stay float32 (see the compiled model's <c>Int8</c>).
    /// </summary>
    public Quantization.QuantizationOptions? Quantization { get; init; }

    /// <summary>Validates the options and returns them.</summary>
    public CompileOptions Validate()
    {
        if (MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "MaxBatch must be at least 1.");
        return this;
    }
}
