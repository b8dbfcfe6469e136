using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// 2-D transposed convolution behind ConvTranspose2d.Forward: the span kernels, with a workspace allocated per call.
public static partial class Ops
{
    /// <summary>
    /// convT(x [N, C, H, W], weight [C, out/groups, KH, KW]) + bias [out], giving [N, out, OutH, OutW]; records
    /// gradients for whichever of x, weight and bias require one. The backward keeps x (for the weight gradient)
    /// and the weight (for the input gradient), not the output. <see cref="ConvTranspose2d.Forward"/> checks the
    /// shapes the user sees; this repeats the check against <paramref name="geometry"/>.
    /// </summary>
    internal static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias, in ConvTranspose2dGeometry geometry)
    {
        RequireSameFloatingPoint(x, weight, nameof(ConvTranspose2d), "input", "weight");
        if (bias is not null) RequireSameFloatingPoint(x, bias, nameof(ConvTranspose2d), "input", "bias");
        ConvTranspose2dGeometry g = geometry;
        RequireShape(x, nameof(ConvTranspose2d), "input", -1, g.InChannels, g.InHeight, g.InWidth);
        RequireShape(weight, nameof(ConvTranspose2d), "weight", g.InChannels, g.OutChannelsPerGroup, g.KernelHeight, g.KernelWidth);
        if (bias is not null) RequireShape(bias, nameof(ConvTranspose2d), "bias", g.OutChannels);
        return x.DType == DType.Float32
            ? ConvTranspose2d<float>(x, weight, bias, g)
            : ConvTranspose2d<double>(x, weight, bias, g);
    }

    private static Tensor ConvTranspose2d<T>(Tensor x, Tensor weight, Tensor? bias, ConvTranspose2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        int batch = x.Size(0);
        Tensor y = NewLike(x, [batch, g.OutChannels, g.OutHeight, g.OutWidth]);
        Convolution.ConvTranspose2dForward<T>(x.Data<T>(), weight.Data<T>(), bias is null ? default : bias.Data<T>(),
            y.Data<T>(), batch, in g, new T[g.WorkspaceSize]);

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return GradNode.Record(y, nameof(ConvTranspose2d), inputs, dy =>
        {
            var grads = new Tensor?[inputs.Length];
            var workspace = new T[g.WorkspaceSize];
            if (x.RequiresGrad)
            {
                Tensor dx = NewLike(x, x.ShapeSpan);
                Convolution.ConvTranspose2dBackwardInput<T>(dy.Data<T>(), weight.Data<T>(), dx.Data<T>(), batch, in g, workspace);
                grads[0] = dx;
            }
            if (weight.RequiresGrad)
            {
                Tensor dw = NewLike(weight, weight.ShapeSpan);
                Convolution.ConvTranspose2dBackwardWeight<T>(dy.Data<T>(), x.Data<T>(), dw.Data<T>(), batch, in g, workspace);
                grads[1] = dw;
            }
            if (bias is not null && bias.RequiresGrad)
            {
                Tensor db = NewLike(bias, bias.ShapeSpan);
                Convolution.ConvTranspose2dBackwardBias<T>(dy.Data<T>(), db.Data<T>(), batch, in g);
                grads[2] = db;
            }
            return grads;
        });
    }
}
