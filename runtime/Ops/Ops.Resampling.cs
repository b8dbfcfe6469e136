using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// Resampling of NCHW images: global and adaptive average pooling, and upsampling. No backward keeps a forward value.
public static partial class Ops
{
    /// <summary>
    /// The mean of each channel's image: x [N, C, H, W] → [N, C], as PyTorch's <c>x.mean((2, 3))</c>. The gradient
    /// spreads each output gradient evenly over its image; nothing is kept.
    /// </summary>
    /// <exception cref="ArgumentException">x is not 4-D or an image is empty.</exception>
    public static Tensor GlobalAvgPool(Tensor x)
    {
        RequireImages(x, nameof(GlobalAvgPool));
        return AdaptiveAvgPool2d(x, 1, [x.Size(0), x.Size(1)], nameof(GlobalAvgPool));
    }

    /// <summary>
    /// Enlarges each image of x [N, C, H, W] to [N, C, H·scale, W·scale]: nearest copies each pixel into a scale×scale
    /// block; bilinear interpolates as PyTorch's <c>F.interpolate(x, scale_factor=scale, mode="bilinear",
    /// align_corners=False)</c>. The gradient adds each output gradient back to the pixels it was read from, with the
    /// same weights; nothing is kept.
    /// </summary>
    /// <exception cref="ArgumentException">x is not 4-D or an image is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">scale is not positive.</exception>
    public static Tensor Upsample(Tensor x, int scale, bool bilinear = false)
    {
        RequireImages(x, nameof(Upsample));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        return x.DType == DType.Float32 ? Upsample<float>(x, scale, bilinear) : Upsample<double>(x, scale, bilinear);
    }

    /// <summary>Adaptive average pooling of x [N, C, H, W] to [N, C, outputSize, outputSize] (the AdaptiveAvgPool2d layer).</summary>
    internal static Tensor AdaptiveAvgPool2d(Tensor x, int outputSize)
    {
        RequireImages(x, nameof(AdaptiveAvgPool2d));
        return AdaptiveAvgPool2d(x, outputSize, [x.Size(0), x.Size(1), outputSize, outputSize], nameof(AdaptiveAvgPool2d));
    }

    private static Tensor AdaptiveAvgPool2d(Tensor x, int outputSize, int[] shape, string name)
        => x.DType == DType.Float32 ? AdaptiveAvgPool2d<float>(x, outputSize, shape, name) : AdaptiveAvgPool2d<double>(x, outputSize, shape, name);

    private static Tensor AdaptiveAvgPool2d<T>(Tensor x, int outputSize, int[] shape, string name) where T : IFloatingPointIeee754<T>
    {
        int planes = x.Size(0) * x.Size(1), height = x.Size(2), width = x.Size(3);
        Tensor y = NewLike(x, shape);
        Resampling.AdaptiveAvgPool2dForward<T>(x.Data<T>(), y.Data<T>(), planes, height, width, outputSize, outputSize);
        return GradNode.Record(y, name, [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            Resampling.AdaptiveAvgPool2dBackward<T>(dy.Data<T>(), dx.Data<T>(), planes, height, width, outputSize, outputSize);
            return [dx];
        });
    }

    private static Tensor Upsample<T>(Tensor x, int scale, bool bilinear) where T : IFloatingPointIeee754<T>
    {
        int planes = x.Size(0) * x.Size(1), height = x.Size(2), width = x.Size(3);
        Tensor y = NewLike(x, [x.Size(0), x.Size(1), checked(height * scale), checked(width * scale)]);
        Resampling.UpsampleForward<T>(x.Data<T>(), y.Data<T>(), planes, height, width, scale, bilinear);
        return GradNode.Record(y, nameof(Upsample), [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            Resampling.UpsampleBackward<T>(dy.Data<T>(), dx.Data<T>(), planes, height, width, scale, bilinear);
            return [dx];
        });
    }

    private static void RequireImages(Tensor x, string op)
    {
        RequireFloatingPoint(x, op);
        if (x.Rank != 4 || x.Size(2) == 0 || x.Size(3) == 0)
        {
            throw new ArgumentException($"{op} expects images [N, C, H, W] with H and W positive; got shape {Tensor.FormatShape(x.ShapeSpan)}.", nameof(x));
        }
    }
}
