using System.Numerics;
using ModelGen.Autograd;

namespace ModelGen;

// Layer normalisation behind LayerNorm.Forward.
public static partial class Ops
{
    /// <summary>
    /// Layer norm of x [..., F] over its last axis with the layer's ε and optional weight and bias. The backward keeps x,
    /// the per-row mean and 1/√(var + ε) that the forward computed, and the weight (for dx); it computes dx, dweight and
    /// dbias in one kernel.
    /// </summary>
    internal static Tensor LayerNorm(Tensor x, LayerNorm layer)
    {
        RequireFloatingPoint(x, nameof(LayerNorm));
        return x.DType == DType.Float32 ? LayerNorm<float>(x, layer) : LayerNorm<double>(x, layer);
    }

    private static Tensor LayerNorm<T>(Tensor x, LayerNorm layer) where T : IFloatingPointIeee754<T>
    {
        int features = layer.NormalizedShape, rows = x.Length / features;
        Tensor? weight = layer.Weight, bias = layer.Bias;
        var statistics = new T[2 * rows];
        Tensor y = NewLike(x, x.ShapeSpan);
        Kernels.LayerNorm.Forward<T>(x.Data<T>(), Data<T>(weight), Data<T>(bias), y.Data<T>(), statistics, features, T.CreateTruncating(layer.Eps));
        Tensor[] inputs = weight is null || bias is null ? [x] : [x, weight, bias];
        return GradNode.Record(y, nameof(LayerNorm), inputs, dy =>
        {
            Tensor? dx = x.RequiresGrad ? NewLike(x, x.ShapeSpan) : null;
            Tensor? dWeight = weight is { RequiresGrad: true } ? NewLike(weight, weight.ShapeSpan) : null;
            Tensor? dBias = bias is { RequiresGrad: true } ? NewLike(bias, bias.ShapeSpan) : null;
            Kernels.LayerNorm.Backward<T>(dy.Data<T>(), x.Data<T>(), statistics, Data<T>(weight),
                dx is null ? default : dx.Data<T>(), dWeight is null ? default : dWeight.Data<T>(), dBias is null ? default : dBias.Data<T>(), features);
            return weight is null || bias is null ? [dx] : [dx, dWeight, dBias];
        });
    }

    /// <summary>The elements of an optional tensor; empty when it is absent.</summary>
    private static Span<T> Data<T>(Tensor? t) where T : IFloatingPointIeee754<T> => t is null ? default : t.Data<T>();
}
