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
    /// Whether the compiled model runs its fused schedule (the default): GEMM and convolution epilogues with bias,
    /// residual add and ReLU, batch norm folded into the layer before it (inference), and chains of elementwise
    /// operations as one loop. <c>false</c> runs the schedule built without the fusion passes, kernel by kernel,
    /// so that the effect of fusion can be measured; both give the same results up to rounding.
    /// </summary>
    public bool Fusion { get; init; } = true;

    /// <summary>
    /// Post-training int8 quantisation of the compiled Forward (null: float32 throughout), e.g.
    /// <c>QuantizationOptions.Int8(calibration: batches, method: Calibration.Percentile(99.99))</c>. Linear layers
    /// then run int8 GEMMs; the rest, and all training, stay float32 (see the compiled model's <c>Int8</c>).
    /// </summary>
    public Quantization.QuantizationOptions? Quantization { get; init; }

    /// <summary>
    /// Whether the compiled <c>Forward</c> packs each weight it multiplies by into GEMM panels once (at
    /// <c>Compile</c>) and reuses them, instead of packing it on every call (the default, <c>true</c>; results are
    /// bit-identical either way). The panels are repacked before the next <c>Forward</c> whenever the weight's
    /// <see cref="Tensor.Version"/> has moved, which every write through the library does (optimizer steps,
    /// <c>Initialize</c>, loading, pruning, <c>AsSpan</c>). The one write it cannot see is through a span obtained
    /// before the last <c>Forward</c>: call <see cref="Tensor.MarkModified"/> after such a write, or set this to
    /// <c>false</c>. Costs memory about the size of the weights.
    /// </summary>
    public bool PrepackWeights { get; init; } = true;

    /// <summary>Validates the options and returns them.</summary>
    public CompileOptions Validate()
    {
        if (MaxBatch < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "MaxBatch must be at least 1.");
        // The int8 call sites are emitted in the fused schedule only: without fusion nothing would run int8.
        if (Quantization != null && !Fusion)
            throw new ArgumentException("Quantization runs on the fused schedule; it cannot be combined with Fusion = false.", nameof(Quantization));
        return this;
    }
}
