using System.Globalization;

namespace ModelGen.Quantization;

/// <summary>
/// How the values a layer saw during calibration become the range its activations are quantised over. The
/// range always includes zero, so that zero (ReLU outputs, padding) is represented exactly.
/// </summary>
public abstract class Calibration
{
    private protected Calibration() { }

    /// <summary>The smallest and largest value seen: no clipping, but one outlier widens every step.</summary>
    public static Calibration MinMax { get; } = new MinMaxCalibration();

    /// <summary>
    /// The <paramref name="percentile"/>th and (100 − percentile)th percentiles of the values seen (e.g. 99.99):
    /// the rarest outliers are clipped so the common values get finer steps. Keeps every observed value until
    /// calibration ends (4 bytes each).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The percentile is not within (50, 100].</exception>
    public static Calibration Percentile(double percentile)
    {
        if (!(percentile > 50 && percentile <= 100)) throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The percentile must be within (50, 100].");
        return new PercentileCalibration(percentile);
    }

    /// <summary>Whether the observer must keep every value (not only the extremes).</summary>
    internal abstract bool KeepsValues { get; }

    /// <summary>The range to quantise over, from what <paramref name="observer"/> saw.</summary>
    internal abstract (float Min, float Max) Range(RangeObserver observer);

    private sealed class MinMaxCalibration : Calibration
    {
        internal override bool KeepsValues => false;
        internal override (float Min, float Max) Range(RangeObserver observer) => (observer.Min, observer.Max);
        public override string ToString() => "min-max";
    }

    private sealed class PercentileCalibration(double percentile) : Calibration
    {
        internal override bool KeepsValues => true;

        internal override (float Min, float Max) Range(RangeObserver observer)
        {
            float[] sorted = observer.SortedValues();
            if (sorted.Length == 0) return (0f, 0f);
            int Rank(double p) => (int)Math.Round(p / 100.0 * (sorted.Length - 1));
            return (sorted[Rank(100 - percentile)], sorted[Rank(percentile)]);
        }

        public override string ToString() => "percentile " + percentile.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>Records the values a layer's input takes during calibration.</summary>
internal sealed class RangeObserver(bool keepValues)
{
    private readonly List<float>? _values = keepValues ? new List<float>() : null;

    public float Min { get; private set; } = float.PositiveInfinity;
    public float Max { get; private set; } = float.NegativeInfinity;
    public long Count { get; private set; }

    public void Observe(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) return;
        Min = Math.Min(Min, System.Numerics.Tensors.TensorPrimitives.Min(values));
        Max = Math.Max(Max, System.Numerics.Tensors.TensorPrimitives.Max(values));
        Count += values.Length;
        _values?.AddRange(values);
    }

    public float[] SortedValues()
    {
        float[] values = _values?.ToArray() ?? [];
        Array.Sort(values);
        return values;
    }
}
