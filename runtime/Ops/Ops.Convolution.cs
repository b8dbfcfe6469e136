using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// 2-D convolution behind Conv2d.Forward: the span kernels, with a workspace allocated per call.
public static partial class Ops
{
    /// <summary>
    /// conv(x [N, C, H, W], weight [out, C/groups, KH, KW]) + bias [out], giving [N, out, OutH, OutW]; records
    /// gradients for whichever of x, weight and bias require one. <see cref="Conv2d.Forward"/> checks the shapes
    /// the user sees; this repeats the check against <paramref name="geometry"/>.
    /// </summary>
    internal static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, in Conv2dGeometry geometry)
    {
        RequireSameFloatingPoint(x, weight, nameof(Conv2d), "input", "weight");
        if (bias is not null) RequireSameFloatingPoint(x, bias, nameof(Conv2d), "input", "bias");
        Conv2dGeometry g = geometry;
        RequireShape(x, nameof(Conv2d), "input", -1, g.InChannels, g.InHeight, g.InWidth);
        RequireShape(weight, nameof(Conv2d), "weight", g.OutChannels, g.InChannelsPerGroup, g.KernelHeight, g.KernelWidth);
        if (bias is not null) RequireShape(bias, nameof(Conv2d), "bias", g.OutChannels);
        return x.DType == DType.Float32 ? Conv2d<float>(x, weight, bias, g) : Conv2d<double>(x, weight, bias, g);
    }

    private static Tensor Conv2d<T>(Tensor x, Tensor weight, Tensor? bias, Conv2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        int batch = x.Size(0);
        Tensor y = NewLike(x, [batch, g.OutChannels, g.OutHeight, g.OutWidth]);
        Convolution.Conv2dForward<T>(x.Data<T>(), weight.Data<T>(), bias is null ? default : bias.Data<T>(),
            y.Data<T>(), batch, in g, new T[g.WorkspaceSize]);

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return GradNode.Record(y, nameof(Conv2d), inputs, dy =>
        {
            var grads = new Tensor?[inputs.Length];
            var workspace = new T[g.WorkspaceSize];
            if (x.RequiresGrad)
            {
                Tensor dx = NewLike(x, x.ShapeSpan);
                Convolution.Conv2dBackwardInput<T>(dy.Data<T>(), weight.Data<T>(), dx.Data<T>(), batch, in g, workspace);
                grads[0] = dx;
            }
            if (weight.RequiresGrad)
            {
                Tensor dw = NewLike(weight, weight.ShapeSpan);
                Convolution.Conv2dBackwardWeight<T>(dy.Data<T>(), x.Data<T>(), dw.Data<T>(), batch, in g, workspace);
                grads[1] = dw;
            }
            if (bias is not null && bias.RequiresGrad)
            {
                Tensor db = NewLike(bias, bias.ShapeSpan);
                Convolution.Conv2dBackwardBias<T>(dy.Data<T>(), db.Data<T>(), batch, in g);
                grads[2] = db;
            }
            return grads;
        });
    }

    /// <summary>Throws unless <paramref name="t"/> has exactly the given dimensions (−1 matches any size).</summary>
    private static void RequireShape(Tensor t, string op, string role, params ReadOnlySpan<int> expected)
    {
        bool matches = t.Rank == expected.Length;
        for (int i = 0; matches && i < expected.Length; i++) matches = expected[i] < 0 || t.Size(i) == expected[i];
        if (!matches)
        {
            throw new ArgumentException(
                $"{op} expects a {role} of shape {FormatExpectedShape(expected)}; got {Tensor.FormatShape(t.ShapeSpan)}.");
        }
    }

    private static string FormatExpectedShape(ReadOnlySpan<int> shape)
    {
        var dims = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++) dims[i] = shape[i] < 0 ? "N" : shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "[" + string.Join(", ", dims) + "]";
    }
}
