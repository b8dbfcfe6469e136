using ModelGen.Autograd;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen;

// Full reductions to a scalar.
public static partial class Ops
{
    /// <summary>The sum of all elements, as a scalar (rank 0) of x's dtype.</summary>
    public static Tensor Sum(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Sum));
        return x.DType == DType.Float32 ? Reduce<float>(x, nameof(Sum), mean: false) : Reduce<double>(x, nameof(Sum), mean: false);
    }

    /// <summary>The mean of all elements, as a scalar (rank 0) of x's dtype; NaN for an empty tensor, as in PyTorch.</summary>
    public static Tensor Mean(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Mean));
        return x.DType == DType.Float32 ? Reduce<float>(x, nameof(Mean), mean: true) : Reduce<double>(x, nameof(Mean), mean: true);
    }

    private static Tensor Reduce<T>(Tensor x, string name, bool mean) where T : IFloatingPointIeee754<T>
    {
        T count = T.CreateChecked(x.Length);
        T sum = TensorPrimitives.Sum<T>(x.Data<T>());
        Tensor y = NewLike(x, []);
        y.Data<T>()[0] = mean ? sum / count : sum;
        return GradNode.Record(y, name, [x], dy =>
        {
            // Every element contributed once (divided by the count for a mean).
            Tensor dx = NewLike(x, x.ShapeSpan);
            T g = ScalarValue<T>(dy);
            dx.Data<T>().Fill(mean ? g / count : g);
            return [dx];
        });
    }
}
