using System.Numerics;
using ModelGen.Autograd;

namespace ModelGen;

// Fake quantisation for quantisation-aware training: forward rounds to the int grid, backward is the
// straight-through estimator (Jacob et al. 2018; PyTorch's fake_quantize_per_tensor_affine).
public static partial class Ops
{
    /// <summary>
    /// Quantises and dequantises x on a per-tensor affine grid: y = (clamp(round(x / scale) + zeroPoint, qmin, qmax)
    /// − zeroPoint) · scale, rounding half to even. The gradient is the straight-through estimator: dy passes
    /// where round(x / scale) + zeroPoint lies within [qmin, qmax] and is zero where the value was clipped.
    /// Training through it lets the weights adapt to the int8 grid the model will run on.
    /// </summary>
    /// <param name="x">A float32 or float64 tensor.</param>
    /// <param name="scale">The step between grid points (positive).</param>
    /// <param name="zeroPoint">The code standing for 0.</param>
    /// <param name="qmin">The smallest code, e.g. −127 for symmetric int8 weights or 0 for uint8 activations.</param>
    /// <param name="qmax">The largest code, e.g. 127 or 255.</param>
    /// <exception cref="ArgumentOutOfRangeException">scale is not positive and finite, or qmin &gt; qmax, or zeroPoint is outside [qmin, qmax].</exception>
    public static Tensor FakeQuantize(Tensor x, double scale, int zeroPoint, int qmin, int qmax)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloatingPoint(x, nameof(FakeQuantize));
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive and finite.");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(qmin, qmax);
        if (zeroPoint < qmin || zeroPoint > qmax) throw new ArgumentOutOfRangeException(nameof(zeroPoint), zeroPoint, "The zero point must lie within [qmin, qmax].");
        return x.DType == DType.Float32
            ? FakeQuantize<float>(x, scale, zeroPoint, qmin, qmax)
            : FakeQuantize<double>(x, scale, zeroPoint, qmin, qmax);
    }

    private static Tensor FakeQuantize<T>(Tensor x, double scale, int zeroPoint, int qmin, int qmax)
        where T : IFloatingPointIeee754<T>
    {
        T step = T.CreateChecked(scale), inverse = T.One / step, zero = T.CreateChecked(zeroPoint);
        T low = T.CreateChecked(qmin), high = T.CreateChecked(qmax);
        Tensor y = NewLike(x, x.ShapeSpan);
        ReadOnlySpan<T> input = x.Data<T>();
        Span<T> output = y.Data<T>();
        for (int i = 0; i < input.Length; i++)
        {
            T code = T.Round(input[i] * inverse) + zero;
            output[i] = (T.Clamp(code, low, high) - zero) * step;
        }
        return GradNode.Record(y, nameof(FakeQuantize), [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            ReadOnlySpan<T> values = x.Data<T>(), upstream = dy.Data<T>();
            Span<T> gradient = dx.Data<T>();
            for (int i = 0; i < values.Length; i++)
            {
                T code = T.Round(values[i] * inverse) + zero;
                gradient[i] = code >= low && code <= high ? upstream[i] : T.Zero;
            }
            return [dx];
        });
    }
}
