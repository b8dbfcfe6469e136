namespace ModelGen.Data.Transforms;

/// <summary>
/// Cutout (DeVries and Taylor 2017): a <see cref="Size"/>×<see cref="Size"/> square centred on a uniformly random
/// pixel is set to zero in every channel, clipped where it leaves the image (so near an edge less is erased, as in
/// the paper's code).
/// </summary>
public sealed class Cutout : IBatchTransform
{
    private readonly Rng _rng;

    /// <summary>Cuts out squares of side <paramref name="size"/>.</summary>
    public Cutout(int size, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _rng = new Rng(seed);
    }

    /// <summary>The side of the square.</summary>
    public int Size { get; }

    /// <inheritdoc/>
    public void Apply(Tensor features, Tensor labels)
    {
        var layout = ImageBatch.Of(features);
        Span<float> data = features.AsSpan();
        for (int n = 0; n < layout.Count; n++)
        {
            int cy = _rng.NextInt(layout.Height), cx = _rng.NextInt(layout.Width);
            RandomErasing.FillBox(data.Slice(n * layout.ImageSize, layout.ImageSize), layout, cy - Size / 2, cx - Size / 2, Size, Size, 0f);
        }
        features.MarkModified();
    }
}
