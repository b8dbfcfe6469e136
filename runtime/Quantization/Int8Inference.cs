using System.ComponentModel;
using System.Globalization;
using ModelGen.Kernels;

namespace ModelGen.Quantization;

/// <summary>
/// The int8 side of one compiled model: the generated Compiled class creates it at Compile when
/// <see cref="CompileOptions.Quantization"/> is set, asks it for an <see cref="Int8Linear"/> per Linear product
/// and an <see cref="Int8Conv2d"/> per convolution (groups 1) of its Forward, then lets it calibrate them by running Forward on the calibration batches (the layers observe
/// their float inputs and let the float GEMMs run) or load them from an int8 checkpoint.
/// </summary>
public sealed class Int8Inference
{
    private readonly IModel _model;
    private readonly QuantizationOptions _options;
    private readonly int _maxBatch;
    private readonly Dictionary<string, Int8Checkpoint.Entry>? _checkpoint;
    private readonly List<(string Key, Int8Layer Layer)> _layers = new();
    private readonly Dictionary<string, string> _fusedPools = new(); // pooling layer -> the int8 convolution it runs in
    private QuantizationReport? _report;

    private Int8Inference(IModel model, QuantizationOptions options, int maxBatch)
    {
        _model = model;
        _options = options;
        _maxBatch = maxBatch;
        if (options.CheckpointPath != null) _checkpoint = Int8Checkpoint.Read(options.CheckpointPath);
    }

    /// <summary>Called by generated code: the int8 state for <paramref name="options"/>, or null when it asks for none.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static Int8Inference? Create(IModel model, CompileOptions options)
        => options.Quantization is { } quantization ? new Int8Inference(model, quantization, options.MaxBatch) : null;

    /// <summary>
    /// Called by generated code for each Linear product of the compiled Forward: the layer's weights quantised now
    /// (or read from the checkpoint), its activation range still to calibrate.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint lacks the layer or holds it with other sizes.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public Int8Linear Linear(string layer, Parameter weight, Parameter? bias, Activation activation)
    {
        int outFeatures = weight.Value.Size(0), inFeatures = weight.Value.Size(1);
        string key = NextKey(layer);
        Int8Linear result;
        if (Stored(key, inFeatures, outFeatures, activation) is { } entry)
        {
            result = new Int8Linear(layer, inFeatures, outFeatures, entry.Weights, entry.WeightScales, entry.Bias, activation, _maxBatch);
            result.SetActivationQuantization(entry.ActivationScale, entry.ZeroPoint);
        }
        else
        {
            result = Int8Linear.FromFloat(layer, inFeatures, outFeatures, weight.Value.AsSpan(), BiasValues(bias, outFeatures), activation, _maxBatch);
            result.BeginCalibration(_options.Method);
        }
        _layers.Add((key, result));
        return result;
    }

    /// <summary>
    /// Called by generated code for each convolution (groups 1) of the compiled Forward: the layer's weights quantised
    /// now (or read from the checkpoint), its activation range still to calibrate.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint lacks the layer or holds it with other sizes.</exception>
    /// <param name="layer">The convolution's layer field.</param>
    /// <param name="weight">Its weight [OutChannels, InChannels, KH, KW].</param>
    /// <param name="bias">Its bias, or null.</param>
    /// <param name="geometry">Its sizes.</param>
    /// <param name="activation">The activation fused into its epilogue.</param>
    /// <param name="maxPool">A 2×2, stride-2 max pooling that reads only this convolution's output, fused into it
    /// (<see cref="Int8Conv2d.MaxPool"/>); null for none.</param>
    /// <param name="maxPoolLayer">The pooling's layer field, for the report.</param>
    /// <exception cref="ArgumentException">The geometry has groups other than 1 or does not match the weight, or the pooling does not fuse.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public Int8Conv2d Conv2d(string layer, Parameter weight, Parameter? bias, Conv2dGeometry geometry, Activation activation,
        Pool2dGeometry? maxPool = null, string? maxPoolLayer = null)
    {
        if (weight.Value.Length != geometry.WeightLength)
            throw new ArgumentException($"Conv2d {layer}: the weight has {weight.Value.Length} elements; the geometry needs {geometry.WeightLength}.", nameof(weight));
        string key = NextKey(layer);
        Int8Conv2d result;
        if (Stored(key, geometry.ColumnRows, geometry.OutChannels, activation) is { } entry)
        {
            result = new Int8Conv2d(layer, geometry, entry.Weights, entry.WeightScales, entry.Bias, activation, maxPool);
            result.SetActivationQuantization(entry.ActivationScale, entry.ZeroPoint);
        }
        else
        {
            result = Int8Conv2d.FromFloat(layer, geometry, weight.Value.AsSpan(), BiasValues(bias, geometry.OutChannels), activation, maxPool);
            result.BeginCalibration(_options.Method);
        }
        _layers.Add((key, result));
        if (maxPool != null && maxPoolLayer != null) _fusedPools[maxPoolLayer] = layer;
        return result;
    }

    /// <summary>The checkpoint key of the layer's next use: its name, then name#2, name#3, ...</summary>
    private string NextKey(string layer)
    {
        int uses = _layers.Count(l => l.Layer.Layer == layer);
        return uses == 0 ? layer : layer + "#" + (uses + 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The checkpoint's entry for <paramref name="key"/>, checked against the model; null when calibrating.</summary>
    private Int8Checkpoint.Entry? Stored(string key, int inFeatures, int outFeatures, Activation activation)
    {
        if (_checkpoint == null) return null;
        if (!_checkpoint.TryGetValue(key, out Int8Checkpoint.Entry? entry))
            throw new InvalidDataException($"The int8 checkpoint has no layer {key}.");
        if (entry.InFeatures != inFeatures || entry.OutFeatures != outFeatures || entry.Activation != activation)
            throw new InvalidDataException($"The int8 checkpoint holds {key} as {entry.InFeatures} -> {entry.OutFeatures} ({entry.Activation}), but the model has {inFeatures} -> {outFeatures} ({activation}).");
        return entry;
    }

    private static float[] BiasValues(Parameter? bias, int outFeatures) => bias?.Value.AsSpan().ToArray() ?? new float[outFeatures];

    /// <summary>
    /// Called by generated code at the end of Compile: runs <paramref name="forward"/> (the compiled float
    /// Forward, the int8 layers observing) on every calibration batch, then fixes each layer's activation range.
    /// Does nothing when the layers came from a checkpoint.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Calibrate(Func<Tensor, Tensor> forward)
    {
        if (_checkpoint == null)
        {
            foreach (Tensor batch in _options.CalibrationBatches!) forward(batch);
            foreach ((_, Int8Layer layer) in _layers) layer.EndCalibration(_options.Method);
        }
        _report = BuildReport();
    }

    /// <summary>The int8 layers, in the order the compiled Forward runs them.</summary>
    public IReadOnlyList<Int8Layer> Layers => _layers.Select(l => l.Layer).ToArray();

    /// <summary>Which layers run int8 and which stay float32, and why.</summary>
    /// <exception cref="InvalidOperationException">Compile has not finished calibrating.</exception>
    public QuantizationReport Report => _report ?? throw new InvalidOperationException("The model is not calibrated yet.");

    /// <summary>Writes the int8 checkpoint: load it with <see cref="QuantizationOptions.FromCheckpoint"/>.</summary>
    public void Save(string path)
    {
        using FileStream stream = File.Create(path);
        Save(stream);
    }

    /// <summary>Writes the int8 checkpoint to <paramref name="stream"/>.</summary>
    public void Save(Stream stream) => Int8Checkpoint.Write(stream, _layers);

    private QuantizationReport BuildReport()
    {
        string source = _checkpoint != null ? "from checkpoint" : "calibrated " + _options.Method;
        var rows = new List<LayerQuantization>();
        foreach ((string name, ILayer layer) in _model.Layers())
        {
            string type = layer.GetType().Name;
            Int8Layer[] sites = _layers.Where(l => l.Layer.Layer == name).Select(l => l.Layer).ToArray();
            if (sites.Length > 0)
            {
                Int8Layer first = sites[0];
                rows.Add(new LayerQuantization(name, type, true, string.Create(CultureInfo.InvariantCulture,
                    $"weights per channel, input scale {first.ActivationScale:G4} zero point {first.ZeroPoint} ({source}){(first is Int8Conv2d { MaxPool: not null } ? ", 2×2 max pool fused" : "")}{(sites.Length > 1 ? $", {sites.Length} uses" : "")}")));
            }
            else if (_fusedPools.TryGetValue(name, out string? convolution))
                rows.Add(new LayerQuantization(name, type, false,
                    $"fused into {convolution}'s int8 epilogue where it pools that convolution (exact: the maximum commutes with the dequantisation and ReLU); float32 elsewhere"));
            else rows.Add(new LayerQuantization(name, type, false, WhyFloat(layer)));
        }
        return new QuantizationReport(rows);
    }

    private static string WhyFloat(ILayer layer) => layer switch
    {
        ModelGen.Linear => "its product is not a plain x·Wᵀ (+ bias) (+ ReLU) GEMM in the compiled Forward",
        ModelGen.Conv2d { Groups: > 1 } => "grouped and depthwise convolutions stay float32 (int8 runs groups 1 only)",
        ModelGen.Conv2d { OutChannels: < GemmInt8.PanelWidth } conv when conv.Stride != 1 || conv.Dilation != 1 || conv.KernelSize < 3 =>
            "fewer than 16 output channels with a stride or dilation other than 1 or a kernel under 3×3: the int8 narrow kernel needs stride 1 and dilation 1 and would be mostly zero weights under 3×3, and the int8 GEMM's 16-column panels would be mostly padding",
        ModelGen.Conv2d => "its convolution is not a plain conv (+ bias) (+ ReLU) in the compiled Forward",
        ConvTranspose2d => "int8 transposed convolution is not implemented",
        _ => "no matrix product to quantise",
    };
}
