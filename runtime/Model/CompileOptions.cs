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
    /// The largest size of each named dimension other than the batch, by the name its <c>[Shape]</c> gives it, e.g.
    /// <c>new Dictionary&lt;string, int&gt; { ["T"] = 128 }</c> for a sequence length. Every buffer is sized for these
    /// once, at <c>Compile</c>, which fails with a message naming a dimension that has no bound.
    /// </summary>
    public IReadOnlyDictionary<string, int> MaxSizes { get; init; } = new Dictionary<string, int>();

    /// <summary>
    /// Whether the compiled model runs its fused schedule (the default): GEMM and convolution epilogues with bias,
    /// residual add and ReLU, batch norm folded into the layer before it (inference), and chains of elementwise
    /// operations as one loop. <c>false</c> runs the schedule built without the fusion passes, kernel by kernel,
    /// so that the effect of fusion can be measured; both give the same results up to rounding.
    /// </summary>
    public bool Fusion { get; init; } = true;

    /// <summary>
    /// The optimisation passes the compiled model runs with (default <see cref="OptimizationPasses.All"/>); clear a
    /// flag to measure a pass against its absence, e.g. <c>Passes = OptimizationPasses.All &amp; ~OptimizationPasses.FuseElementwise</c>.
    /// The generator compiled, at build time, every pass on, every pass but one, every pass but a group
    /// (<see cref="OptimizationPasses.Fusion"/>, <see cref="OptimizationPasses.GraphPruning"/>) and none; Compile throws
    /// <see cref="NotSupportedException"/> for other combinations. Results agree up to rounding.
    /// <see cref="Fusion"/> = false clears the fusion flags on top of this (see <see cref="EnabledPasses"/>).
    /// </summary>
    public OptimizationPasses Passes { get; init; } = OptimizationPasses.All;

    /// <summary>The passes the compiled model runs: <see cref="Passes"/>, less the fusion passes when <see cref="Fusion"/> is false.</summary>
    public OptimizationPasses EnabledPasses => Fusion ? Passes : Passes & ~OptimizationPasses.Fusion;

    /// <summary>
    /// Post-training int8 quantisation of the compiled Forward (null: float32 throughout), e.g.
    /// <c>QuantizationOptions.Int8(calibration: batches, method: Calibration.Percentile(99.99))</c>. Linear layers
    /// then run int8 GEMMs; the rest, and all training, stay float32 (see the compiled model's <c>Int8</c>).
    /// </summary>
    public Quantization.QuantizationOptions? Quantization { get; init; }

    /// <summary>
    /// Whether the compiled <c>Forward</c> packs each weight it multiplies by into GEMM panels once (at
    /// the first <c>Forward</c>, so a model compiled only to train never packs) and reuses them, instead of packing it on every call (the default, <c>true</c>; results are
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
        if ((Passes & ~OptimizationPasses.All) != 0)
            throw new ArgumentOutOfRangeException(nameof(Passes), Passes, "Only the flags of OptimizationPasses.All can be set.");
        // The int8 call sites are emitted in the fully optimised schedule only (they replace its fused GEMMs).
        if (Quantization != null && EnabledPasses != OptimizationPasses.All)
            throw new ArgumentException($"Quantization runs on the fully optimised schedule; it cannot be combined with passes switched off (enabled: {EnabledPasses}).", nameof(Quantization));
        return this;
    }
}
