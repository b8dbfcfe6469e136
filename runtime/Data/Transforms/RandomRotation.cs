namespace ModelGen.Data.Transforms;

/// <summary>
/// torchvision's <c>RandomRotation(degrees, interpolation=BILINEAR, fill=0)</c>: each image is rotated about its
/// centre by an angle drawn uniformly from [−degrees, degrees], counter-clockwise for positive angles, sampled
/// bilinearly; pixels that come from outside the image are <see cref="Fill"/>.
/// </summary>
public sealed class RandomRotation : IBatchTransform
{
    private readonly Rng _rng;

    /// <summary>Rotates by angles in [−<paramref name="degrees"/>, <paramref name="degrees"/>].</summary>
    public RandomRotation(double degrees, float fill = 0f, int seed = 0)
    {
        if (!(degrees >= 0) || double.IsInfinity(degrees)) throw new ArgumentOutOfRangeException(nameof(degrees), degrees, "degrees must be finite and non-negative.");
        Degrees = degrees;
        Fill = fill;
        _rng = new Rng(seed);
    }

    /// <summary>The largest rotation, in degrees.</summary>
    public double Degrees { get; }

    /// <summary>The value of pixels rotated in from outside the image.</summary>
    public float Fill { get; }

    /// <inheritdoc/>
    public void Apply(Tensor features, Tensor labels)
    {
        var layout = ImageBatch.Of(features);
        Span<float> data = features.AsSpan();
        var scratch = new float[layout.ImageSize];
        for (int n = 0; n < layout.Count; n++)
        {
            double angle = Degrees * (2 * _rng.NextDouble() - 1);
            Span<float> image = data.Slice(n * layout.ImageSize, layout.ImageSize);
            image.CopyTo(scratch);
            Rotate(scratch, image, layout, angle, Fill);
        }
        features.MarkModified();
    }

    /// <summary>
    /// Rotates <paramref name="source"/> by <paramref name="degrees"/> counter-clockwise about the centre
    /// ((W − 1)/2, (H − 1)/2) into <paramref name="destination"/>: each output pixel reads the source at its
    /// position rotated back, interpolating the four neighbours bilinearly, a neighbour outside the image counting
    /// as <paramref name="fill"/> (torch's <c>grid_sample</c> with zero padding when the fill is 0).
    /// </summary>
    public static void Rotate(ReadOnlySpan<float> source, Span<float> destination, ImageBatch layout, double degrees, float fill = 0f)
    {
        int h = layout.Height, w = layout.Width;
        double radians = degrees * Math.PI / 180, cos = Math.Cos(radians), sin = Math.Sin(radians);
        double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                // Inverse map: with y pointing down, a counter-clockwise turn by θ is undone by
                // (u, v) → (u cos θ − v sin θ, u sin θ + v cos θ) about the centre.
                double u = x - cx, v = y - cy;
                double sx = cx + u * cos - v * sin, sy = cy + u * sin + v * cos;
                int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
                double fx = sx - x0, fy = sy - y0;
                for (int c = 0; c < layout.Channels; c++)
                {
                    ReadOnlySpan<float> plane = source.Slice(c * h * w, h * w);
                    double value = (1 - fy) * ((1 - fx) * At(plane, x0, y0) + fx * At(plane, x0 + 1, y0))
                                 + fy * ((1 - fx) * At(plane, x0, y0 + 1) + fx * At(plane, x0 + 1, y0 + 1));
                    destination[(c * h + y) * w + x] = (float)value;
                }
            }
        }

        double At(ReadOnlySpan<float> plane, int px, int py) => px >= 0 && px < w && py >= 0 && py < h ? plane[py * w + px] : fill;
    }
}
