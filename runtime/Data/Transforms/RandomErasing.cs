namespace ModelGen.Data.Transforms;

/// <summary>
/// torchvision's <c>RandomErasing(p, scale, ratio, value)</c> (Zhong et al. 2020): with probability p, a rectangle
/// covering a fraction of the image drawn from U(scale) with aspect ratio log-uniform in ratio is set to
/// <see cref="Value"/> in every channel. As torchvision, up to 10 draws are tried for a rectangle that fits; if
/// none fits the image is left alone.
/// </summary>
public sealed class RandomErasing : IBatchTransform
{
    private readonly Rng _rng;

    /// <summary>Erases with probability <paramref name="p"/>; torchvision's defaults.</summary>
    public RandomErasing(double p = 0.5, double minScale = 0.02, double maxScale = 0.33, double minRatio = 0.3, double maxRatio = 3.3,
        float value = 0f, int seed = 0)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in [0, 1].");
        if (!(minScale >= 0 && minScale <= maxScale && maxScale <= 1)) throw new ArgumentException("The scale range must satisfy 0 ≤ min ≤ max ≤ 1.");
        if (!(minRatio > 0 && minRatio <= maxRatio)) throw new ArgumentException("The ratio range must satisfy 0 < min ≤ max.");
        (P, MinScale, MaxScale, MinRatio, MaxRatio, Value) = (p, minScale, maxScale, minRatio, maxRatio, value);
        _rng = new Rng(seed);
    }

    /// <summary>The probability that an image is erased.</summary>
    public double P { get; }

    /// <summary>The smallest fraction of the image erased.</summary>
    public double MinScale { get; }

    /// <summary>The largest fraction of the image erased.</summary>
    public double MaxScale { get; }

    /// <summary>The smallest aspect ratio (height / width) of the rectangle.</summary>
    public double MinRatio { get; }

    /// <summary>The largest aspect ratio of the rectangle.</summary>
    public double MaxRatio { get; }

    /// <summary>What erased pixels become.</summary>
    public float Value { get; }

    /// <inheritdoc/>
    public void Apply(Tensor features, Tensor labels)
    {
        var layout = ImageBatch.Of(features);
        Span<float> data = features.AsSpan();
        double area = layout.PlaneSize;
        for (int n = 0; n < layout.Count; n++)
        {
            if (!(_rng.NextDouble() < P)) continue;
            for (int attempt = 0; attempt < 10; attempt++)
            {
                double target = area * (MinScale + (MaxScale - MinScale) * _rng.NextDouble());
                double ratio = Math.Exp(Math.Log(MinRatio) + (Math.Log(MaxRatio) - Math.Log(MinRatio)) * _rng.NextDouble());
                int eh = (int)Math.Round(Math.Sqrt(target * ratio)), ew = (int)Math.Round(Math.Sqrt(target / ratio));
                if (eh < 1 || ew < 1 || eh >= layout.Height || ew >= layout.Width) continue;
                int top = _rng.NextInt(layout.Height - eh + 1), left = _rng.NextInt(layout.Width - ew + 1);
                FillBox(data.Slice(n * layout.ImageSize, layout.ImageSize), layout, top, left, eh, ew, Value);
                break;
            }
        }
        features.MarkModified();
    }

    /// <summary>Sets rows [top, top + height) × columns [left, left + width), clipped to the image, to <paramref name="value"/> in every channel.</summary>
    public static void FillBox(Span<float> image, ImageBatch layout, int top, int left, int height, int width, float value)
    {
        int y0 = Math.Max(top, 0), y1 = Math.Min(top + height, layout.Height);
        int x0 = Math.Max(left, 0), x1 = Math.Min(left + width, layout.Width);
        if (y0 >= y1 || x0 >= x1) return;
        for (int c = 0; c < layout.Channels; c++)
            for (int y = y0; y < y1; y++)
                image.Slice((c * layout.Height + y) * layout.Width + x0, x1 - x0).Fill(value);
    }
}
