namespace ModelGen.Quantization;

/// <summary>
/// Post-training int8 quantisation for <c>Compile</c> (see <see cref="CompileOptions.Quantization"/>): the
/// compiled Forward runs each Linear layer's product as an int8 GEMM with weights quantised symmetrically per
/// output channel and activations per tensor, from ranges calibrated on sample batches or read from an int8
/// checkpoint. Training (<c>ComputeGradients</c>, <c>TrainStep</c>) stays float32.
/// </summary>
public sealed record QuantizationOptions
{
    private QuantizationOptions(IReadOnlyList<Tensor>? calibration, Calibration method, string? checkpoint)
    {
        CalibrationBatches = calibration;
        Method = method;
        CheckpointPath = checkpoint;
    }

    /// <summary>The batches Compile runs through the float forward to record each quantised layer's input range.</summary>
    public IReadOnlyList<Tensor>? CalibrationBatches { get; }

    /// <summary>How a recorded input range becomes the activation scale.</summary>
    public Calibration Method { get; }

    /// <summary>An int8 checkpoint (see <see cref="Int8Inference.Save(string)"/>) to load instead of calibrating.</summary>
    public string? CheckpointPath { get; }

    /// <summary>Quantises at Compile, calibrating activation ranges on <paramref name="calibration"/>.</summary>
    /// <param name="calibration">Input batches like those the model will see (each at most MaxBatch rows).</param>
    /// <param name="method">Min-max (the default) or a percentile that ignores rare outliers.</param>
    /// <exception cref="ArgumentException">No calibration batch is given.</exception>
    public static QuantizationOptions Int8(IEnumerable<Tensor> calibration, Calibration? method = null)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        Tensor[] batches = calibration.ToArray();
        if (batches.Length == 0) throw new ArgumentException("Calibration needs at least one batch.", nameof(calibration));
        return new QuantizationOptions(batches, method ?? Calibration.MinMax, null);
    }

    /// <summary>Loads quantised weights, scales and activation ranges from an int8 checkpoint instead of calibrating.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static QuantizationOptions FromCheckpoint(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException("No int8 checkpoint at this path.", path);
        return new QuantizationOptions(null, Calibration.MinMax, path);
    }
}
