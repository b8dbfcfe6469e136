namespace ModelGen.Data.Transforms;

/// <summary>torchvision's <c>RandomHorizontalFlip(p)</c>: each image is mirrored left to right with probability p.</summary>
public sealed class RandomHorizontalFlip : IBatchTransform
{
    private readonly Rng _rng;

    /// <summary>Flips each image with probability <paramref name="p"/>, drawing from <paramref name="seed"/>.</summary>
    public RandomHorizontalFlip(double p = 0.5, int seed = 0)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be in [0, 1].");
        P = p;
        _rng = new Rng(seed);
    }

    /// <summary>The probability of a flip.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public void Apply(Tensor features, Tensor labels)
    {
        var layout = ImageBatch.Of(features);
        Span<float> data = features.AsSpan();
        for (int n = 0; n < layout.Count; n++)
        {
            if (_rng.NextDouble() < P) Flip(data.Slice(n * layout.ImageSize, layout.ImageSize), layout);
        }
        features.MarkModified();
    }

    /// <summary>Mirrors one image [C, H, W] left to right in place.</summary>
    public static void Flip(Span<float> image, ImageBatch layout)
    {
        for (int row = 0; row < layout.Channels * layout.Height; row++) image.Slice(row * layout.Width, layout.Width).Reverse();
    }
}
