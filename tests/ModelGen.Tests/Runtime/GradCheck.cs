using System.Globalization;
using ModelGen;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// Checks analytic gradients (from <see cref="Tensor.Backward"/>) against central finite differences, in float64.
/// Shared by every test that differentiates something: ops, layers, generated models.
/// </summary>
/// <remarks>
/// <para>
/// Error measure: <see cref="RelativeError"/>(a, b) = |a − b| / max(1, |a|, |b|). It is relative for values
/// above 1 and absolute below, so a gradient that should be 0 is not judged by dividing by ~0.
/// </para>
/// <para>
/// Numeric derivative: (L(x + ε) − L(x − ε)) / 2ε with ε = <see cref="Epsilon"/> = 1e-6, per element, on
/// float64 inputs. Its truncation error is O(ε²) ≈ 1e-12 and its rounding error about 1e-16·|L|/ε ≈ 1e-10·|L|,
/// far below <see cref="Tolerance"/> = 1e-6 for losses of moderate size. Keep inputs away from kinks (ReLU at 0)
/// and poles (division by ~0): within ε of one the numeric derivative is meaningless.
/// </para>
/// <para>
/// A function returning a non-scalar y is reduced to L = Σ y ⊙ W with fixed random weights W (seeded), so every
/// output element contributes with a different weight and a mixed-up gradient cannot pass by symmetry.
/// </para>
/// </remarks>
public static class GradCheck
{
    /// <summary>The finite-difference step.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>The largest accepted <see cref="RelativeError"/>.</summary>
    public const double Tolerance = 1e-6;

    /// <summary>|a − b| / max(1, |a|, |b|).</summary>
    public static double RelativeError(double a, double b) =>
        Math.Abs(a - b) / Math.Max(1.0, Math.Max(Math.Abs(a), Math.Abs(b)));

    /// <summary>The largest <see cref="RelativeError"/> between two equally long sequences.</summary>
    public static double MaxRelativeError(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Lengths differ: {a.Length} and {b.Length}.");
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, RelativeError(a[i], b[i]));
        return max;
    }

    /// <summary>
    /// Compares the analytic and numeric gradients of <paramref name="function"/> with respect to every input
    /// that requires a gradient, and returns the worst element.
    /// </summary>
    /// <param name="function">Computes the output from the inputs (which it captures); called many times.</param>
    /// <param name="inputs">Float64 tensors; those with RequiresGrad are checked, the others held constant.</param>
    public static GradCheckResult Run(Func<Tensor> function, params Tensor[] inputs)
    {
        foreach (var input in inputs)
        {
            if (input.RequiresGrad && input.DType != DType.Float64)
            {
                throw new ArgumentException($"Gradient checks run in Float64; an input is {input.DType}.");
            }
            input.Grad = null;
        }

        Tensor? weights = null;
        Tensor Objective()
        {
            Tensor y = function();
            if (y.Length == 1) return y;
            if (weights is null)
            {
                weights = Random(new Rng(0x5EED), -1, 1, y.Shape);
                weights.RequiresGrad = false;
            }
            return Ops.Sum(y * weights);
        }

        Objective().Backward();
        var worst = new GradCheckResult(0, -1, -1, 0, 0);
        for (int k = 0; k < inputs.Length; k++)
        {
            Tensor input = inputs[k];
            if (!input.RequiresGrad) continue;
            double[] analytic = input.Grad?.ToArrayFloat64() ?? new double[input.Length];
            for (int i = 0; i < input.Length; i++)
            {
                double saved = input.AsSpanFloat64()[i];
                input.AsSpanFloat64()[i] = saved + Epsilon;
                double plus = Objective().ItemFloat64();
                input.AsSpanFloat64()[i] = saved - Epsilon;
                double minus = Objective().ItemFloat64();
                input.AsSpanFloat64()[i] = saved;
                double numeric = (plus - minus) / (2 * Epsilon);
                double error = RelativeError(analytic[i], numeric);
                if (error >= worst.MaxError) worst = new GradCheckResult(error, k, i, analytic[i], numeric);
            }
        }
        foreach (var input in inputs) input.Grad = null;
        return worst;
    }

    /// <summary>Runs the check and fails the test, naming the worst element, when its error exceeds <see cref="Tolerance"/>.</summary>
    public static void Assert(Func<Tensor> function, params Tensor[] inputs)
    {
        GradCheckResult result = Run(function, inputs);
        Xunit.Assert.True(result.MaxError <= Tolerance, result.ToString());
    }

    /// <summary>A float64 tensor of values from U(lo, hi) that requires a gradient.</summary>
    public static Tensor Random(Rng rng, double lo, double hi, params int[] shape)
    {
        Tensor tensor = Tensor.Zeros(DType.Float64, shape);
        Span<double> values = tensor.AsSpanFloat64();
        for (int i = 0; i < values.Length; i++) values[i] = lo + (hi - lo) * rng.NextDouble();
        tensor.RequiresGrad = true;
        return tensor;
    }

    /// <summary>
    /// A float64 tensor requiring a gradient whose values have magnitudes in [lo, hi] and random signs: inputs
    /// kept away from ReLU's kink and from division by zero.
    /// </summary>
    public static Tensor RandomAwayFromZero(Rng rng, double lo, double hi, params int[] shape)
    {
        Tensor tensor = Random(rng, lo, hi, shape);
        Span<double> values = tensor.AsSpanFloat64();
        for (int i = 0; i < values.Length; i++) if (rng.NextDouble() < 0.5) values[i] = -values[i];
        return tensor;
    }
}

/// <summary>The worst element of a gradient check.</summary>
/// <param name="MaxError">Its <see cref="GradCheck.RelativeError"/>.</param>
/// <param name="InputIndex">Which input it belongs to (-1 when no input was checked).</param>
/// <param name="ElementIndex">Its flat index in that input.</param>
/// <param name="Analytic">The gradient from Backward.</param>
/// <param name="Numeric">The central finite difference.</param>
public readonly record struct GradCheckResult(double MaxError, int InputIndex, int ElementIndex, double Analytic, double Numeric)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"max relative error {MaxError:E3} at input {InputIndex}, element {ElementIndex}: analytic {Analytic:R}, numeric {Numeric:R}");
}
