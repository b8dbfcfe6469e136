using ModelGen.Kernels;

namespace ModelGen.Quantization;

/// <summary>
/// What every int8 layer of a compiled model shares: weights [OutFeatures, InFeatures] quantised symmetrically per
/// output channel (scale = max|w_row|/127, codes −127..127) and packed once for <see cref="GemmInt8"/>; the input
/// quantised per tensor to 7-bit codes with a zero point, from a calibrated range; the dequantisation, bias and
/// ReLU fused into the GEMM's epilogue. A snapshot of the weights at Compile: later training does not reach it.
/// </summary>
public abstract class Int8Layer
{
    private readonly sbyte[] _weights;       // row-major [out, in], kept for checkpoints
    private readonly float[] _weightScales;  // per output channel
    private readonly int[] _columnSums;      // Σ_k w_q[j, k], to take the zero point back out
    private readonly float[] _bias, _scale;  // per column, padded to the panel width
    private readonly int[] _offset;          // zeroPoint · columnSum, per column
    private RangeObserver? _observer;

    // gemmOrder: the weights with each row's depth in the order the layer's GEMM reads its activations (the wide
    // convolution reads taps in (ky, kx, channel) order, each kernel row padded with zero weights to whole depth
    // groups); null when that is the weights' own order. The checkpoint keeps the weights' order.
    private protected Int8Layer(string layer, int inFeatures, int outFeatures, sbyte[] weights, float[] weightScales,
        ReadOnlySpan<float> bias, Activation activation, sbyte[]? gemmOrder = null)
    {
        Layer = layer;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Activation = activation;
        _weights = weights;
        _weightScales = weightScales;
        // The GEMM's depth: the wide convolution pads each kernel row of its order to whole depth groups.
        int gemmDepth = gemmOrder == null ? inFeatures : gemmOrder.Length / outFeatures;
        PackedWeights = new sbyte[GemmInt8.PackedLength(outFeatures, gemmDepth)];
        GemmInt8.PackWeights(gemmOrder ?? weights, outFeatures, gemmDepth, PackedWeights);
        int columns = GemmInt8.PaddedColumns(outFeatures);
        _columnSums = new int[outFeatures];
        for (int j = 0; j < outFeatures; j++)
        {
            int sum = 0;
            foreach (sbyte w in weights.AsSpan(j * inFeatures, inFeatures)) sum += w;
            _columnSums[j] = sum;
        }
        _bias = new float[columns];
        bias.CopyTo(_bias);
        _scale = new float[columns];
        _offset = new int[columns];
    }

    /// <summary>Quantises float weights [out, in] per output channel: the codes and each channel's step.</summary>
    private protected static (sbyte[] Codes, float[] Scales) QuantizeWeights(ReadOnlySpan<float> weight, int inFeatures, int outFeatures)
    {
        var codes = new sbyte[outFeatures * inFeatures];
        var scales = new float[outFeatures];
        for (int j = 0; j < outFeatures; j++)
        {
            ReadOnlySpan<float> row = weight.Slice(j * inFeatures, inFeatures);
            float largest = Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(row));
            // An all-zero row quantises to zeros under any scale; 1 avoids dividing by zero.
            float scale = largest > 0f ? largest / 127f : 1f;
            scales[j] = scale;
            for (int p = 0; p < inFeatures; p++)
                codes[j * inFeatures + p] = (sbyte)Math.Clamp(MathF.Round(row[p] / scale), -127f, 127f);
        }
        return (codes, scales);
    }

    /// <summary>The layer's field name in the model.</summary>
    public string Layer { get; }

    /// <summary>The length of a weight row, the GEMM depth: a Linear's input features, a convolution's InChannels·KH·KW.</summary>
    public int InFeatures { get; }

    /// <summary>Weight rows: a Linear's output features, a convolution's output channels.</summary>
    public int OutFeatures { get; }

    /// <summary>The activation fused into the epilogue.</summary>
    public Activation Activation { get; }

    /// <summary>The input's quantisation step: x ≈ ActivationScale · (q − ZeroPoint), q in 0..127.</summary>
    public float ActivationScale { get; private set; }

    /// <summary>The input code that stands for 0.</summary>
    public int ZeroPoint { get; private set; }

    /// <summary>Whether calibration has finished and TryForward runs int8.</summary>
    public bool IsQuantized { get; private set; }

    /// <summary>Per output channel weight steps: w ≈ WeightScales[j] · w_q.</summary>
    public ReadOnlySpan<float> WeightScales => _weightScales;

    /// <summary>The int8 weight codes, row-major [OutFeatures, InFeatures].</summary>
    public ReadOnlySpan<sbyte> Weights => _weights;

    /// <summary>The float32 bias added in the epilogue (zeros for a layer without one).</summary>
    public ReadOnlySpan<float> Bias => _bias.AsSpan(0, OutFeatures);

    /// <summary>The weights in <see cref="GemmInt8.PackWeights"/> panels.</summary>
    private protected sbyte[] PackedWeights { get; }

    /// <summary>Per column: zeroPoint · Σₖ w[j, k], the zero point's share of each integer sum (padded to the panel width).</summary>
    private protected ReadOnlySpan<int> Offsets => _offset;

    /// <summary>Per column: ActivationScale · WeightScales[j] (padded to the panel width).</summary>
    private protected ReadOnlySpan<float> Scales => _scale;

    /// <summary>Per column: the bias (padded to the panel width).</summary>
    private protected ReadOnlySpan<float> PaddedBias => _bias;

    /// <summary>While calibrating, records <paramref name="x"/>'s range and returns true: the caller then runs float32.</summary>
    private protected bool Observed(ReadOnlySpan<float> x)
    {
        if (_observer == null) return false;
        _observer.Observe(x);
        return true;
    }

    /// <summary>
    /// C [rows, OutFeatures] (row stride ldc) = act(dequantised codes · Wᵀ + b) for <paramref name="codes"/>
    /// [rows, PaddedDepth(InFeatures)] quantised with this layer's scale and zero point.
    /// </summary>
    private protected void Multiply(int rows, ReadOnlySpan<byte> codes, Span<float> c, int ldc)
        => GemmInt8.Multiply(rows, OutFeatures, InFeatures, codes, PackedWeights, _offset, _scale, _bias, Activation == Activation.Relu, c, ldc);

    /// <summary>Starts recording input ranges: until <see cref="EndCalibration"/>, TryForward only observes.</summary>
    internal void BeginCalibration(Calibration method)
    {
        _observer = new RangeObserver(method.KeepsValues);
        IsQuantized = false;
    }

    /// <summary>Turns the recorded range into the activation scale and zero point.</summary>
    /// <exception cref="InvalidOperationException">The layer saw no input during calibration.</exception>
    internal void EndCalibration(Calibration method)
    {
        RangeObserver observer = _observer ?? throw new InvalidOperationException("Calibration has not begun.");
        if (observer.Count == 0) throw new InvalidOperationException($"Layer {Layer} saw no input while calibrating.");
        _observer = null;
        (float min, float max) = method.Range(observer);
        SetActivationRange(min, max);
    }

    /// <summary>Quantises activations over [min, max] widened to include 0, in 7-bit codes.</summary>
    internal void SetActivationRange(float min, float max)
    {
        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        float scale = max > min ? (max - min) / GemmInt8.MaxActivation : 1f;
        SetActivationQuantization(scale, (int)Math.Clamp(MathF.Round(-min / scale), 0f, GemmInt8.MaxActivation));
    }

    /// <summary>Sets the input's step and zero point and precomputes the epilogue's per-column terms.</summary>
    internal void SetActivationQuantization(float scale, int zeroPoint)
    {
        if (!(scale > 0f) || !float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The activation scale must be positive and finite.");
        ArgumentOutOfRangeException.ThrowIfNegative(zeroPoint);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(zeroPoint, GemmInt8.MaxActivation);
        ActivationScale = scale;
        ZeroPoint = zeroPoint;
        for (int j = 0; j < OutFeatures; j++)
        {
            _offset[j] = zeroPoint * _columnSums[j];
            _scale[j] = scale * _weightScales[j];
        }
        _observer = null;
        IsQuantized = true;
    }
}
