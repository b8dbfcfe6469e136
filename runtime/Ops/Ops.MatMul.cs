using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// Matrix products: MatMul, and the fused x·Wᵀ + b behind Linear.Forward.
public static partial class Ops
{
    /// <summary>The matrix product of a [m, k] and b [k, n], giving [m, n].</summary>
    /// <exception cref="ArgumentException">An operand is not 2-D, the inner sizes differ, or the dtypes differ.</exception>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        RequireSameFloatingPoint(a, b, nameof(MatMul), "left operand", "right operand");
        if (a.Rank != 2 || b.Rank != 2 || a.Size(1) != b.Size(0))
        {
            throw new ArgumentException(
                $"MatMul needs [m, k] · [k, n] matrices; got {Tensor.FormatShape(a.ShapeSpan)} · {Tensor.FormatShape(b.ShapeSpan)}.");
        }
        return a.DType == DType.Float32 ? MatMul<float>(a, b) : MatMul<double>(a, b);
    }

    /// <summary>
    /// y = x · weightᵀ + bias over the last axis of x: [..., in] → [..., out], the leading axes flattened into
    /// the rows of one matrix product. Shapes are checked by <see cref="Linear.Forward"/>.
    /// </summary>
    internal static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        RequireSameFloatingPoint(x, weight, nameof(Linear), "input", "weight");
        if (bias is not null) RequireSameFloatingPoint(x, bias, nameof(Linear), "input", "bias");
        return x.DType == DType.Float32 ? Linear<float>(x, weight, bias) : Linear<double>(x, weight, bias);
    }

    private static Tensor MatMul<T>(Tensor a, Tensor b) where T : IFloatingPointIeee754<T>
    {
        int m = a.Size(0), k = a.Size(1), n = b.Size(1);
        Tensor c = NewLike(a, [m, n]);
        MatrixMultiply.Multiply<T>(m, n, k, a.ReadOnlyData<T>(), k, false, b.ReadOnlyData<T>(), n, false, c.Data<T>(), n);
        return GradNode.Record(c, nameof(MatMul), [a, b], dc =>
        {
            Tensor? da = null, db = null;
            if (a.RequiresGrad)
            {
                // dA = dC · Bᵀ: [m, n] · [n, k].
                da = NewLike(a, a.ShapeSpan);
                MatrixMultiply.Multiply<T>(m, k, n, dc.ReadOnlyData<T>(), n, false, b.ReadOnlyData<T>(), n, true, da.Data<T>(), k);
            }
            if (b.RequiresGrad)
            {
                // dB = Aᵀ · dC: [k, m] · [m, n].
                db = NewLike(b, b.ShapeSpan);
                MatrixMultiply.Multiply<T>(k, n, m, a.ReadOnlyData<T>(), k, true, dc.ReadOnlyData<T>(), n, false, db.Data<T>(), n);
            }
            return [da, db];
        });
    }

    private static Tensor Linear<T>(Tensor x, Tensor weight, Tensor? bias) where T : IFloatingPointIeee754<T>
    {
        int outFeatures = weight.Size(0), inFeatures = weight.Size(1);
        int rows = x.Length / inFeatures;
        int[] shape = x.Shape;
        shape[^1] = outFeatures;
        Tensor y = NewLike(x, shape);
        ReadOnlySpan<T> biasValues = bias is null ? default : bias.ReadOnlyData<T>();
        MatrixMultiply.Multiply<T>(rows, outFeatures, inFeatures, x.ReadOnlyData<T>(), inFeatures, false,
            weight.ReadOnlyData<T>(), inFeatures, true, y.Data<T>(), outFeatures, bias: biasValues);

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return GradNode.Record(y, nameof(Linear), inputs, dy =>
        {
            var grads = new Tensor?[inputs.Length];
            if (x.RequiresGrad)
            {
                // dX = dY · W: [rows, out] · [out, in].
                Tensor dx = NewLike(x, x.ShapeSpan);
                MatrixMultiply.Multiply<T>(rows, inFeatures, outFeatures, dy.ReadOnlyData<T>(), outFeatures, false,
                    weight.ReadOnlyData<T>(), inFeatures, false, dx.Data<T>(), inFeatures);
                grads[0] = dx;
            }
            if (weight.RequiresGrad)
            {
                // dW = dYᵀ · X: [out, rows] · [rows, in].
                Tensor dw = NewLike(weight, weight.ShapeSpan);
                MatrixMultiply.Multiply<T>(outFeatures, inFeatures, rows, dy.ReadOnlyData<T>(), outFeatures, true,
                    x.ReadOnlyData<T>(), inFeatures, false, dw.Data<T>(), inFeatures);
                grads[1] = dw;
            }
            if (bias is not null && bias.RequiresGrad)
            {
                // db = column sums of dY.
                Tensor db = NewLike(bias, bias.ShapeSpan);
                Broadcasting.SumRows<T>(dy.Data<T>(), rows, outFeatures, db.Data<T>());
                grads[2] = db;
            }
            return grads;
        });
    }
}
