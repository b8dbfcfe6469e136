using ModelGen.Kernels;

namespace ModelGen.Quantization;

/// <summary>
/// One Linear layer's product in int8, called by the generated compiled Forward in place of the float GEMM: the
/// input rows are quantised into codes and multiplied with the packed int8 weights (see <see cref="Int8Layer"/>).
/// </summary>
public sealed class Int8Linear : Int8Layer
{
    private readonly byte[] _codes; // the quantised input, MaxBatch rows

    internal Int8Linear(string layer, int inFeatures, int outFeatures, sbyte[] weights, float[] weightScales,
        ReadOnlySpan<float> bias, Activation activation, int maxRows)
        : base(layer, inFeatures, outFeatures, weights, weightScales, bias, activation)
        => _codes = new byte[maxRows * GemmInt8.PaddedDepth(inFeatures)];

    /// <summary>Quantises float weights [out, in] per output channel.</summary>
    internal static Int8Linear FromFloat(string layer, int inFeatures, int outFeatures, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Activation activation, int maxRows)
    {
        (sbyte[] codes, float[] scales) = QuantizeWeights(weight, inFeatures, outFeatures);
        return new Int8Linear(layer, inFeatures, outFeatures, codes, scales, bias, activation, maxRows);
    }

    /// <summary>
    /// y [rows, OutFeatures] = act(x·Wᵀ + b) in int8, returning true; or, while calibrating, records x's range and
    /// returns false so the caller runs its float GEMM. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span does not hold rows of the layer's sizes, or rows exceeds MaxBatch.</exception>
    public bool TryForward(int rows, ReadOnlySpan<float> x, Span<float> y)
    {
        if (rows < 0 || x.Length < rows * InFeatures || y.Length < rows * OutFeatures)
            throw new ArgumentException($"Int8Linear {Layer} expects {rows} rows of {InFeatures} in and {OutFeatures} out.");
        x = x[..(rows * InFeatures)];
        if (Observed(x)) return false;
        int depth = GemmInt8.PaddedDepth(InFeatures);
        if (rows * depth > _codes.Length) throw new ArgumentException($"{rows} rows exceed the compiled MaxBatch.", nameof(rows));
        Span<byte> codes = _codes.AsSpan(0, rows * depth);
        GemmInt8.QuantizeActivations(x, rows, InFeatures, 1f / ActivationScale, ZeroPoint, codes);
        Multiply(rows, codes, y, OutFeatures);
        return true;
    }
}
