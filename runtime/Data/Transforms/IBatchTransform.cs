namespace ModelGen.Data.Transforms;

/// <summary>
/// An in-place transform of a training batch, as torchvision's transforms but applied to a whole batch (each
/// sample drawing its own random parameters). Random transforms take a seed and draw from their own
/// <see cref="Rng"/> in sample order, so the same seed and the same batches give the same output.
/// </summary>
public interface IBatchTransform
{
    /// <summary>
    /// Transforms <paramref name="features"/> in place (float32, [N, C, H, W], [N, H, W], or [N, H·W] read as
    /// square single-channel images; see <see cref="ImageBatch"/>). <paramref name="labels"/> (Int32 [N]) is
    /// passed for transforms that mix samples; the others leave it alone.
    /// </summary>
    void Apply(Tensor features, Tensor labels);
}

/// <summary>
/// How a float32 batch tensor is read as images: [N, C, H, W] as is; [N, H, W] as one channel; [N, F] as one
/// square channel of side √F (784 → 28×28, so a flat MNIST batch for an MLP can be augmented without a reshape).
/// </summary>
public readonly record struct ImageBatch(int Count, int Channels, int Height, int Width)
{
    /// <summary>Values per image: C·H·W.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>Values per channel plane: H·W.</summary>
    public int PlaneSize => Height * Width;

    /// <summary>The layout of <paramref name="features"/>.</summary>
    /// <exception cref="ArgumentException">The tensor is not float32, or its shape cannot be read as images.</exception>
    public static ImageBatch Of(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.DType != DType.Float32) throw new ArgumentException($"Batch transforms work on float32 features; got {features.DType}.", nameof(features));
        int[] shape = features.Shape;
        switch (shape.Length)
        {
            case 4: return new ImageBatch(shape[0], shape[1], shape[2], shape[3]);
            case 3: return new ImageBatch(shape[0], 1, shape[1], shape[2]);
            case 2:
                int side = (int)Math.Round(Math.Sqrt(shape[1]));
                if (side * side == shape[1]) return new ImageBatch(shape[0], 1, side, side);
                break;
        }
        throw new ArgumentException(
            $"Cannot read a batch of shape {Tensor.FormatShape(shape)} as images: give [N, C, H, W], [N, H, W] or [N, F] with F a square.", nameof(features));
    }
}
