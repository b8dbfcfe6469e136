namespace ModelGen.Data.Transforms;

/// <summary>
/// torchvision's <c>RandomCrop(size, padding)</c>: pads each image by <see cref="Padding"/> zeros on every side,
/// then cuts a <see cref="Size"/>×<see cref="Size"/> window at a uniformly random position. The output keeps the
/// batch's shape, so the size must equal the image's (the classic "pad 4, crop back to 32" shift augmentation).
/// </summary>
public sealed class RandomCrop : IBatchTransform
{
    private readonly Rng _rng;

    /// <summary>Crops <paramref name="size"/>×<paramref name="size"/> windows from images padded by <paramref name="padding"/>.</summary>
    public RandomCrop(int size, int padding = 0, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Size = size;
        Padding = padding;
        _rng = new Rng(seed);
    }

    /// <summary>The side of the window.</summary>
    public int Size { get; }

    /// <summary>Zeros added on each side before cropping.</summary>
    public int Padding { get; }

    /// <inheritdoc/>
    public void Apply(Tensor features, Tensor labels)
    {
        var layout = ImageBatch.Of(features);
        if (layout.Height != Size || layout.Width != Size)
            throw new ArgumentException($"RandomCrop({Size}) keeps the batch's shape, so the images must be {Size}×{Size}; they are {layout.Height}×{layout.Width}.", nameof(features));
        Span<float> data = features.AsSpan();
        var scratch = new float[layout.ImageSize];
        int positions = 2 * Padding + 1;
        for (int n = 0; n < layout.Count; n++)
        {
            int top = _rng.NextInt(positions), left = _rng.NextInt(positions);
            Span<float> image = data.Slice(n * layout.ImageSize, layout.ImageSize);
            image.CopyTo(scratch);
            Crop(scratch, image, layout, Padding, top, left);
        }
        features.MarkModified();
    }

    /// <summary>
    /// Writes into <paramref name="destination"/> the window at (<paramref name="top"/>, <paramref name="left"/>)
    /// of <paramref name="source"/> padded by <paramref name="padding"/> zeros; both images have <paramref name="layout"/>'s shape.
    /// </summary>
    public static void Crop(ReadOnlySpan<float> source, Span<float> destination, ImageBatch layout, int padding, int top, int left)
    {
        int h = layout.Height, w = layout.Width;
        for (int c = 0; c < layout.Channels; c++)
        {
            for (int y = 0; y < h; y++)
            {
                int sy = y + top - padding;
                for (int x = 0; x < w; x++)
                {
                    int sx = x + left - padding;
                    destination[(c * h + y) * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? source[(c * h + sy) * w + sx] : 0f;
                }
            }
        }
    }
}
