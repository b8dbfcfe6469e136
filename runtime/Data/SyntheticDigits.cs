namespace ModelGen.Data;

/// <summary>
/// A deterministic stand-in for MNIST that needs no files: 28×28 grey images of the digits 0–9, labelled 0–9.
/// </summary>
/// <remarks>
/// <para>
/// Each image draws one of ten hand-made stroke glyphs (an oval 0, a flagged 1, a 4 with an open top, loop-and-tail
/// 6 and 9, two stacked loops for 8, …) as anti-aliased lines on a black background, and varies it at random: height
/// 17–21 px, width-to-height ratio ×0.9–1.15, shear ±0.2, rotation ±8°, translation ±3 px in each direction, stroke
/// width 1.4–3.2 px, ink brightness 0.75–1, every vertex moved by up to ±0.3 px, and additive pixel noise (standard
/// deviation 0.03–0.2, clamped to [0, 1]). In a quarter of the images a 4–8 px rectangle of the digit is erased,
/// and in a sixth a stray stroke is added; these make some images genuinely ambiguous, so a
/// classifier cannot reach 100%. Pixels are quantised to bytes like MNIST's and then become features exactly as in
/// <see cref="Mnist.Load"/>: <c>(pixel / 255 − 0.1307) / 0.3081</c> by default.
/// </para>
/// <para>
/// Labels come in blocks of ten, each block a random permutation of the digits, so the first 10·k samples are exactly
/// balanced and no prefix is off by more than one per class. Sample <c>i</c> depends only on the seed and
/// <c>i</c>: <c>Generate(n, seed)</c> is the first <c>n</c> samples of <c>Generate(m, seed)</c> for <c>m ≥ n</c>,
/// so draw training and test sets from different seeds (or slice one set). The output is bit-identical on every
/// platform: the generator is SplitMix64 and the geometry uses only IEEE 754 arithmetic and square roots.
/// A nearest-class-mean classifier trained on 2,000 samples scores about 70% on others; a 784-128-10 MLP trained on
/// 12,000 with plain SGD for four epochs scores about 97–98% on a fresh seed while fitting its training data to 99.9%.
/// </para>
/// </remarks>
public static partial class SyntheticDigits
{
    /// <summary>The height and width of an image, as in MNIST.</summary>
    public const int ImageSize = 28;

    private const int PixelCount = ImageSize * ImageSize;
    private const int ClassCount = 10;
    // Label permutations use streams with the top bit set, samples those without, so the two never coincide.
    private const ulong LabelStreams = 1UL << 63;

    /// <summary>
    /// <paramref name="count"/> synthetic digit images as a 10-class dataset of 784 features each, normalised like
    /// MNIST when <paramref name="normalize"/> (the default), else scaled to [0, 1]. See <see cref="SyntheticDigits"/>
    /// for what the images look like.
    /// </summary>
    public static Dataset Generate(int count, int seed, bool normalize = true)
    {
        (IdxArray images, IdxArray labels) = GenerateIdx(count, seed);
        return Mnist.CreateDataset(images, labels, "synthetic images", "synthetic labels", normalize,
            $"SyntheticDigits: {count} images 28x28, seed {seed}, {Mnist.FeatureText(normalize)}");
    }

    /// <summary>
    /// The same images as <see cref="Generate"/> as raw bytes in MNIST's layout: images [count, 28, 28] and labels
    /// [count], ready for <see cref="IdxWriter"/> (to view them, or to exercise an MNIST loader without MNIST).
    /// </summary>
    public static (IdxArray Images, IdxArray Labels) GenerateIdx(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Array.MaxLength / PixelCount);
        var pixels = new byte[count * PixelCount];
        var labels = new byte[count];
        Span<int> digits = stackalloc int[ClassCount];
        var canvas = new double[PixelCount];
        for (int block = 0; block * ClassCount < count; block++)
        {
            for (int d = 0; d < ClassCount; d++) digits[d] = d;
            SplitMix64.ForStream(seed, LabelStreams | (uint)block).Shuffle(digits);
            for (int d = 0; d < ClassCount && block * ClassCount + d < count; d++)
            {
                int index = block * ClassCount + d;
                labels[index] = (byte)digits[d];
                Render(digits[d], SplitMix64.ForStream(seed, (ulong)index), canvas, pixels.AsSpan(index * PixelCount, PixelCount));
            }
        }
        return (new IdxArray([count, ImageSize, ImageSize], pixels), new IdxArray([count], labels));
    }

    /// <summary>Draws one randomly varied image of <paramref name="digit"/> into <paramref name="pixels"/>.</summary>
    private static void Render(int digit, SplitMix64 random, double[] ink, Span<byte> pixels)
    {
        // The affine map from glyph space to pixels: scale, shear, rotate about the glyph's centre, then translate.
        double height = 20 * random.NextDouble(0.85, 1.05);
        double width = height * random.NextDouble(0.9, 1.15);
        double shear = random.NextDouble(-0.2, 0.2);
        double angle = random.NextDouble(-8, 8) * (Math.PI / 180);
        double cos = Cos(angle), sin = Sin(angle);
        double centreX = 13.5 + random.NextDouble(-3, 3), centreY = 13.5 + random.NextDouble(-3, 3);
        double halfStroke = random.NextDouble(1.4, 3.2) / 2;
        double brightness = random.NextDouble(0.75, 1.0);
        const double Jitter = 0.3;

        Point ToPixels(Point p)
        {
            double x = (p.X - 0.3) * width + shear * (p.Y - 0.5) * height;
            double y = (p.Y - 0.5) * height;
            return new Point(
                centreX + cos * x - sin * y + random.NextDouble(-Jitter, Jitter),
                centreY + sin * x + cos * y + random.NextDouble(-Jitter, Jitter));
        }

        Array.Clear(ink);
        foreach (Point[] line in Glyphs[digit])
        {
            Point previous = ToPixels(line[0]);
            for (int i = 1; i < line.Length; i++)
            {
                Point next = ToPixels(line[i]);
                DrawSegment(ink, previous, next, halfStroke);
                previous = next;
            }
        }

        if (random.NextDouble() < 1.0 / 6)
        {
            // A stray stroke (a slip of the pen) near the digit, which can turn a 1 towards a 7 or a 3 towards an 8.
            var from = new Point(centreX + random.NextDouble(-8, 8), centreY + random.NextDouble(-9, 9));
            double length = random.NextDouble(4, 9), direction = random.NextDouble(0, 2 * Math.PI);
            DrawSegment(ink, from, new Point(from.X + length * Cos(direction), from.Y + length * Sin(direction)), halfStroke);
        }

        if (random.NextDouble() < 0.25)
        {
            // An erased patch that can remove the one stroke telling two digits apart.
            int eraseWidth = 4 + random.NextInt(5), eraseHeight = 4 + random.NextInt(5);
            int left = (int)(centreX - 8) + random.NextInt(17 - eraseWidth), top = (int)(centreY - 10) + random.NextInt(21 - eraseHeight);
            for (int y = Math.Max(top, 0); y < Math.Min(top + eraseHeight, ImageSize); y++)
                for (int x = Math.Max(left, 0); x < Math.Min(left + eraseWidth, ImageSize); x++)
                    ink[y * ImageSize + x] = 0;
        }

        double noise = random.NextDouble(0.03, 0.2);
        for (int i = 0; i < PixelCount; i++)
        {
            // The sum of three uniforms, centred, has standard deviation 1/2: a bell-shaped noise from arithmetic only.
            double bell = random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5;
            double value = brightness * ink[i] + 2 * noise * bell;
            pixels[i] = (byte)Math.Round(Math.Clamp(value, 0, 1) * 255);
        }
    }

    /// <summary>Raises <paramref name="ink"/> to the coverage of a round-capped line of half width <paramref name="halfStroke"/> (one pixel of anti-aliasing).</summary>
    private static void DrawSegment(double[] ink, Point a, Point b, double halfStroke)
    {
        double reach = halfStroke + 0.5;
        int left = Math.Max(0, (int)Math.Floor(Math.Min(a.X, b.X) - reach));
        int right = Math.Min(ImageSize - 1, (int)Math.Ceiling(Math.Max(a.X, b.X) + reach));
        int top = Math.Max(0, (int)Math.Floor(Math.Min(a.Y, b.Y) - reach));
        int bottom = Math.Min(ImageSize - 1, (int)Math.Ceiling(Math.Max(a.Y, b.Y) + reach));
        double dx = b.X - a.X, dy = b.Y - a.Y, lengthSquared = dx * dx + dy * dy;
        for (int y = top; y <= bottom; y++)
        {
            for (int x = left; x <= right; x++)
            {
                // Distance from the pixel centre to the nearest point of the segment.
                double t = lengthSquared == 0 ? 0 : Math.Clamp(((x - a.X) * dx + (y - a.Y) * dy) / lengthSquared, 0, 1);
                double ex = x - (a.X + t * dx), ey = y - (a.Y + t * dy);
                double coverage = Math.Clamp(reach - Math.Sqrt(ex * ex + ey * ey), 0, 1);
                ref double pixel = ref ink[y * ImageSize + x];
                if (coverage > pixel) pixel = coverage;
            }
        }
    }
}
