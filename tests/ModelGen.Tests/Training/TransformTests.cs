using ModelGen.Data.Transforms;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>Each batch transform against hand-worked 4×4 (and 3×3) images, and determinism under a seed.</summary>
public class TransformTests
{
    // 4×4 image with values 1 … 16, row-major.
    private static readonly float[] Image4 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    private static readonly ImageBatch Layout4 = new(1, 1, 4, 4);

    private static Tensor Batch(int count, float[] image) =>
        Tensor.FromArray(Enumerable.Range(0, count).SelectMany(_ => image).ToArray(), count, 1, 4, 4);

    private static Tensor Labels(int count) => Tensor.FromArray(new int[count], count);

    private static float[] ImageAt(Tensor batch, int n) => batch.AsSpan().Slice(n * 16, 16).ToArray();

    [Fact]
    public void HorizontalFlip_Flip_MirrorsEveryRow()
    {
        float[] image = (float[])Image4.Clone();
        RandomHorizontalFlip.Flip(image, Layout4);
        Assert.Equal([4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13], image);
    }

    [Fact]
    public void HorizontalFlip_ProbabilityOneAndZero_FlipsAllOrNone_AndHalfOnAverage()
    {
        var all = Batch(3, Image4);
        new RandomHorizontalFlip(p: 1).Apply(all, Labels(3));
        for (int n = 0; n < 3; n++) Assert.Equal([4, 3, 2, 1], ImageAt(all, n)[..4]);
        var none = Batch(3, Image4);
        new RandomHorizontalFlip(p: 0).Apply(none, Labels(3));
        Assert.Equal(Image4, ImageAt(none, 2));

        var many = Batch(2000, Image4);
        new RandomHorizontalFlip(p: 0.3, seed: 4).Apply(many, Labels(2000));
        int flipped = Enumerable.Range(0, 2000).Count(n => many.AsSpan()[n * 16] == 4);
        Assert.InRange(flipped / 2000.0, 0.27, 0.33);
    }

    [Fact]
    public void RandomCrop_Crop_ShiftsThePaddedImage()
    {
        // Window at (0, 0) of the image padded by 1: the image moves down and right by one, zeros enter.
        var output = new float[16];
        RandomCrop.Crop(Image4, output, Layout4, padding: 1, top: 0, left: 0);
        Assert.Equal([0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11], output);
        RandomCrop.Crop(Image4, output, Layout4, padding: 1, top: 2, left: 1);
        Assert.Equal([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0, 0], output);
        RandomCrop.Crop(Image4, output, Layout4, padding: 1, top: 1, left: 1);
        Assert.Equal(Image4, output);
    }

    [Fact]
    public void RandomCrop_Apply_EveryImageIsOneOfTheNineShifts_AndAllOccur()
    {
        var batch = Batch(300, Image4);
        new RandomCrop(4, padding: 1, seed: 9).Apply(batch, Labels(300));
        var seen = new HashSet<(int, int)>();
        for (int n = 0; n < 300; n++)
        {
            float[] image = ImageAt(batch, n);
            var match = (from top in Enumerable.Range(0, 3) from left in Enumerable.Range(0, 3) select (top, left))
                .Where(o => { var e = new float[16]; RandomCrop.Crop(Image4, e, Layout4, 1, o.top, o.left); return e.SequenceEqual(image); }).ToList();
            Assert.Single(match);
            seen.Add(match[0]);
        }
        Assert.Equal(9, seen.Count);
        Assert.Throws<ArgumentException>(() => new RandomCrop(5, 1).Apply(Batch(1, Image4), Labels(1)));
    }

    [Fact]
    public void Rotate_NinetyDegrees_IsCounterClockwiseRot90()
    {
        var output = new float[16];
        RandomRotation.Rotate(Image4, output, Layout4, 90);
        // numpy.rot90 (counter-clockwise): the last column becomes the first row.
        Assert.Equal([4, 8, 12, 16, 3, 7, 11, 15, 2, 6, 10, 14, 1, 5, 9, 13], output.Select(v => MathF.Round(v, 4)));
        RandomRotation.Rotate(Image4, output, Layout4, 0);
        Assert.Equal(Image4, output);
    }

    [Fact]
    public void Rotate_FortyFiveDegrees_InterpolatesBilinearlyWithZeroFill()
    {
        // 3×3 with a single 1 at the right-middle pixel (x 2, y 1); centre (1, 1). Rotating by 45° counter-clockwise
        // maps output (x, y) to source (1 + u·c − v·s, 1 + u·s + v·c) with c = s = √½.
        float[] image = [0, 0, 0, 0, 0, 1, 0, 0, 0];
        var layout = new ImageBatch(1, 1, 3, 3);
        var output = new float[9];
        RandomRotation.Rotate(image, output, layout, 45);
        double c = Math.Sqrt(0.5);
        var expected = new double[9];
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++)
            {
                double u = x - 1, v = y - 1, sx = 1 + u * c - v * c, sy = 1 + u * c + v * c;
                // Only source pixel (2, 1) is non-zero: its bilinear weight is the tent (1 − |sx − 2|)(1 − |sy − 1|).
                expected[y * 3 + x] = Math.Max(0, 1 - Math.Abs(sx - 2)) * Math.Max(0, 1 - Math.Abs(sy - 1));
            }
        for (int i = 0; i < 9; i++) Assert.Equal(expected[i], output[i], 5);
        Assert.True(output[2] > 0.3, "the pixel moves up towards the top-right corner");
        Assert.Equal(0f, output[5 + 3]);
    }

    [Fact]
    public void RandomRotation_ZeroDegrees_IsIdentity_AndSeedsRepeat()
    {
        var batch = Batch(4, Image4);
        new RandomRotation(0).Apply(batch, Labels(4));
        Assert.Equal(Image4, ImageAt(batch, 3));
        AssertDeterministic(seed => new RandomRotation(30, seed: seed));
    }

    [Fact]
    public void Normalize_PerChannel_SubtractsMeanDividesByStd()
    {
        var batch = Tensor.FromArray(new float[] { 1, 2, 3, 4, 10, 20, 30, 40 }, 1, 2, 2, 2);
        new Normalize([2f, 20f], [0.5f, 10f]).Apply(batch, Labels(1));
        Assert.Equal([-2, 0, 2, 4, -1, 0, 1, 2], batch.ToArray());
        var flat = Tensor.FromArray((float[])Image4.Clone(), 1, 16);
        new Normalize(8.5f, 2f).Apply(flat, Labels(1));
        Assert.Equal((1 - 8.5f) / 2, flat.AsSpan()[0]);
        Assert.Throws<ArgumentException>(() => new Normalize([1f, 2f, 3f], [1f, 1f, 1f]).Apply(Tensor.FromArray(new float[8], 1, 2, 2, 2), Labels(1)));
    }

    [Fact]
    public void FillBox_ClipsToTheImage()
    {
        float[] image = (float[])Image4.Clone();
        RandomErasing.FillBox(image, Layout4, top: -1, left: 2, height: 3, width: 5, value: 0);
        Assert.Equal([1, 2, 0, 0, 5, 6, 0, 0, 9, 10, 11, 12, 13, 14, 15, 16], image);
    }

    [Fact]
    public void RandomErasing_ErasesOneRectangleWithinScale_WithProbabilityP()
    {
        var ones = Enumerable.Repeat(1f, 16 * 16).ToArray();
        var batch = Tensor.FromArray(Enumerable.Range(0, 400).SelectMany(_ => ones).ToArray(), 400, 1, 16, 16);
        new RandomErasing(p: 0.5, minScale: 0.1, maxScale: 0.3, seed: 5).Apply(batch, Labels(400));
        int erased = 0;
        for (int n = 0; n < 400; n++)
        {
            var image = batch.AsSpan().Slice(n * 256, 256).ToArray();
            var zeros = Enumerable.Range(0, 256).Where(i => image[i] == 0).ToArray();
            if (zeros.Length == 0) continue;
            erased++;
            // The zeros form one axis-aligned rectangle of 10 % to 30 % of the area (with rounding of the sides).
            int top = zeros.Min(i => i / 16), bottom = zeros.Max(i => i / 16), left = zeros.Min(i => i % 16), right = zeros.Max(i => i % 16);
            Assert.Equal((bottom - top + 1) * (right - left + 1), zeros.Length);
            Assert.InRange(zeros.Length, 0.1 * 256 * 0.6, 0.3 * 256 * 1.5);
        }
        Assert.InRange(erased / 400.0, 0.42, 0.58);
        AssertDeterministic(seed => new RandomErasing(p: 0.7, seed: seed));
    }

    [Fact]
    public void Cutout_ZeroesASquareAroundARandomCentre_ClippedAtEdges()
    {
        var ones = Enumerable.Repeat(1f, 64).ToArray();
        var batch = Tensor.FromArray(Enumerable.Range(0, 200).SelectMany(_ => ones).ToArray(), 200, 8, 8);
        new Cutout(4, seed: 1).Apply(batch, Labels(200));
        var sizes = new HashSet<int>();
        for (int n = 0; n < 200; n++)
        {
            int zeros = batch.AsSpan().Slice(n * 64, 64).ToArray().Count(v => v == 0);
            Assert.InRange(zeros, 4, 16);   // at least a 2×2 corner survives clipping
            sizes.Add(zeros);
        }
        Assert.Contains(16, sizes);
        Assert.True(sizes.Count > 1, "squares near an edge are clipped");
        AssertDeterministic(seed => new Cutout(2, seed: seed));
    }

    [Fact]
    public void RandomCropAndFlip_SameSeed_SameOutput()
    {
        AssertDeterministic(seed => new RandomCrop(8, padding: 2, seed: seed));
        AssertDeterministic(seed => new RandomHorizontalFlip(0.5, seed: seed));
    }

    [Fact]
    public void ImageBatch_ReadsFlatSquareBatches_AndRefusesOthers()
    {
        Assert.Equal(new ImageBatch(5, 1, 28, 28), ImageBatch.Of(Tensor.Zeros(5, 784)));
        Assert.Equal(new ImageBatch(5, 3, 4, 6), ImageBatch.Of(Tensor.Zeros(5, 3, 4, 6)));
        Assert.Throws<ArgumentException>(() => ImageBatch.Of(Tensor.Zeros(5, 10)));
    }

    /// <summary>The same seed gives the same output on the same batches; another seed a different one.</summary>
    internal static void AssertDeterministic(Func<int, IBatchTransform> create)
    {
        float[] Run(int seed)
        {
            var transform = create(seed);
            var values = Enumerable.Range(0, 32 * 64).Select(i => (float)(i % 13 + 1)).ToArray();
            var result = new List<float>();
            for (int call = 0; call < 2; call++)
            {
                var batch = Tensor.FromArray((float[])values.Clone(), 32, 1, 8, 8);
                transform.Apply(batch, Tensor.FromArray(new int[32], 32));
                result.AddRange(batch.ToArray());
            }
            return result.ToArray();
        }
        Assert.Equal(Run(1), Run(1));
        Assert.NotEqual(Run(1), Run(2));
    }
}
