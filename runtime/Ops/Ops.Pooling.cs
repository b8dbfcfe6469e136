using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// 2-D max and average pooling behind MaxPool2d.Forward and AvgPool2d.Forward.
public static partial class Ops
{
    /// <summary>Max pooling of x [N, C, H, W]; the gradient goes to each window's first maximal element.</summary>
    internal static Tensor MaxPool2d(Tensor x, in Pool2dGeometry geometry)
    {
        RequireFloatingPoint(x, nameof(MaxPool2d));
        Pool2dGeometry g = geometry;
        RequireShape(x, nameof(MaxPool2d), "input", -1, g.Channels, g.InHeight, g.InWidth);
        return x.DType == DType.Float32 ? MaxPool2d<float>(x, g) : MaxPool2d<double>(x, g);
    }

    /// <summary>Average pooling of x [N, C, H, W], padding counted in every divisor.</summary>
    internal static Tensor AvgPool2d(Tensor x, in Pool2dGeometry geometry)
    {
        RequireFloatingPoint(x, nameof(AvgPool2d));
        Pool2dGeometry g = geometry;
        RequireShape(x, nameof(AvgPool2d), "input", -1, g.Channels, g.InHeight, g.InWidth);
        return x.DType == DType.Float32 ? AvgPool2d<float>(x, g) : AvgPool2d<double>(x, g);
    }

    private static Tensor MaxPool2d<T>(Tensor x, Pool2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        int batch = x.Size(0);
        Tensor y = NewLike(x, [batch, g.Channels, g.OutHeight, g.OutWidth]);
        Pooling.MaxPool2dForward<T>(x.Data<T>(), y.Data<T>(), batch, in g);
        return GradNode.Record(y, nameof(MaxPool2d), [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            Pooling.MaxPool2dBackward<T>(dy.Data<T>(), x.Data<T>(), y.Data<T>(), dx.Data<T>(), batch, in g);
            return [dx];
        });
    }

    private static Tensor AvgPool2d<T>(Tensor x, Pool2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        int batch = x.Size(0);
        Tensor y = NewLike(x, [batch, g.Channels, g.OutHeight, g.OutWidth]);
        Pooling.AvgPool2dForward<T>(x.Data<T>(), y.Data<T>(), batch, in g);
        return GradNode.Record(y, nameof(AvgPool2d), [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            Pooling.AvgPool2dBackward<T>(dy.Data<T>(), dx.Data<T>(), batch, in g);
            return [dx];
        });
    }
}
