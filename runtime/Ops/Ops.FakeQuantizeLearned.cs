using System.Numerics;
using ModelGen.Autograd;

namespace ModelGen;

// Learned step size quantisation (LSQ, Esser et al. 2020, "Learned Step Size Quantization", ICLR): fake
// quantisation whose step is a trained parameter, with the paper's gradient for the step and its gradient scale.
public static partial class Ops
{
    /// <summary>
    /// Fake quantisation with a learned step size (LSQ, Esser et al. 2020): ŷ = round(clamp(x / s, qmin, qmax)) · s on a
    /// symmetric grid (zero point 0), where s is <paramref name="scale"/>, a one-element tensor usually held by a
    /// <see cref="Parameter"/> and trained with the weights.
    /// <para>
    /// Gradients as the paper defines them. For x: the straight-through estimator, dy where qmin &lt; x/s &lt; qmax and 0
    /// where the value was clipped. For s: Σ dy · ∂ŷ/∂s with ∂ŷ/∂s = round(x/s) − x/s inside the range, qmin below it
    /// and qmax above it, multiplied by <paramref name="gradScale"/> (the paper's g = 1/√(N·qmax), N the number of
    /// elements of x, when left at NaN) so the step learns at a pace comparable to the weights.
    /// </para>
    /// </summary>
    /// <param name="x">A float32 or float64 tensor.</param>
    /// <param name="scale">The step s: a one-element tensor of x's dtype, positive; its gradient accumulates when it requires one.</param>
    /// <param name="qmin">The smallest code, e.g. −127 for int8 weights or 0 for unsigned activations (≤ 0).</param>
    /// <param name="qmax">The largest code, e.g. 127 or 255 (&gt; 0).</param>
    /// <param name="gradScale">The factor on s's gradient; NaN (default) for 1/√(N·qmax).</param>
    /// <exception cref="ArgumentException">scale is not a one-element tensor of x's dtype.</exception>
    /// <exception cref="ArgumentOutOfRangeException">scale is not positive and finite, qmin &gt; 0 or qmax ≤ 0.</exception>
    public static Tensor FakeQuantizeLearned(Tensor x, Tensor scale, int qmin, int qmax, double gradScale = double.NaN)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(scale);
        RequireFloatingPoint(x, nameof(FakeQuantizeLearned));
        if (scale.Length != 1 || scale.DType != x.DType)
            throw new ArgumentException($"The scale must be a one-element {x.DType} tensor; it is {Tensor.FormatShape(scale.ShapeSpan)} {scale.DType}.", nameof(scale));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(qmin, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(qmax, 0);
        double step = scale.ItemFloat64();
        if (!(step > 0) || !double.IsFinite(step)) throw new ArgumentOutOfRangeException(nameof(scale), step, "The scale must be positive and finite.");
        if (double.IsNaN(gradScale)) gradScale = 1.0 / Math.Sqrt((double)x.Length * qmax);
        return x.DType == DType.Float32
            ? FakeQuantizeLearned<float>(x, scale, qmin, qmax, gradScale)
            : FakeQuantizeLearned<double>(x, scale, qmin, qmax, gradScale);
    }

    /// <summary>
    /// The paper's initial step for <paramref name="x"/> on a grid reaching <paramref name="qmax"/>: 2·mean(|x|)/√qmax
    /// (Esser et al. 2020, section 2.1), as a double to put into the scale tensor.
    /// </summary>
    public static double LearnedScaleInit(Tensor x, int qmax)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(qmax, 0);
        double sum = 0;
        if (x.DType == DType.Float32) foreach (float v in x.Data<float>()) sum += Math.Abs(v);
        else foreach (double v in x.Data<double>()) sum += Math.Abs(v);
        return 2 * (sum / x.Length) / Math.Sqrt(qmax);
    }

    private static Tensor FakeQuantizeLearned<T>(Tensor x, Tensor scale, int qmin, int qmax, double gradScale)
        where T : IFloatingPointIeee754<T>
    {
        T step = scale.Data<T>()[0], low = T.CreateChecked(qmin), high = T.CreateChecked(qmax);
        Tensor y = NewLike(x, x.ShapeSpan);
        ReadOnlySpan<T> input = x.Data<T>();
        Span<T> output = y.Data<T>();
        for (int i = 0; i < input.Length; i++) output[i] = T.Round(T.Clamp(input[i] / step, low, high)) * step;
        return GradNode.Record(y, nameof(FakeQuantizeLearned), [x, scale], dy =>
        {
            ReadOnlySpan<T> values = x.Data<T>(), upstream = dy.Data<T>();
            Tensor? dx = x.RequiresGrad ? NewLike(x, x.ShapeSpan) : null;
            Span<T> gradient = dx == null ? default : dx.Data<T>();
            double dStep = 0; // accumulated in float64: a sum over every element
            for (int i = 0; i < values.Length; i++)
            {
                T ratio = values[i] / step;
                bool inRange = ratio > low && ratio < high;
                if (dx != null) gradient[i] = inRange ? upstream[i] : T.Zero;
                T slope = inRange ? T.Round(ratio) - ratio : ratio <= low ? low : high;
                dStep += double.CreateChecked(upstream[i] * slope);
            }
            Tensor? ds = null;
            if (scale.RequiresGrad)
            {
                ds = NewLike(scale, scale.ShapeSpan);
                ds.Data<T>()[0] = T.CreateChecked(dStep * gradScale);
            }
            return [dx, ds];
        });
    }
}
