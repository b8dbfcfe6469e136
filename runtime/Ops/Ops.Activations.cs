using ModelGen.Autograd;
using ModelGen.Kernels;
using System.Numerics;

namespace ModelGen;

// Elementwise activations; each backward reads the saved output.
public static partial class Ops
{
    /// <summary>max(x, 0), elementwise. The gradient is 1 where the output is positive, else 0.</summary>
    public static Tensor Relu(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Relu));
        return x.DType == DType.Float32
            ? Activation<float>(x, nameof(Relu), Activations.Relu, Activations.ReluBackward)
            : Activation<double>(x, nameof(Relu), Activations.Relu, Activations.ReluBackward);
    }

    /// <summary>1 / (1 + exp(−x)), elementwise.</summary>
    public static Tensor Sigmoid(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Sigmoid));
        return x.DType == DType.Float32
            ? Activation<float>(x, nameof(Sigmoid), Activations.Sigmoid, Activations.SigmoidBackward)
            : Activation<double>(x, nameof(Sigmoid), Activations.Sigmoid, Activations.SigmoidBackward);
    }

    /// <summary>tanh(x), elementwise.</summary>
    public static Tensor Tanh(Tensor x)
    {
        RequireFloatingPoint(x, nameof(Tanh));
        return x.DType == DType.Float32
            ? Activation<float>(x, nameof(Tanh), Activations.Tanh, Activations.TanhBackward)
            : Activation<double>(x, nameof(Tanh), Activations.Tanh, Activations.TanhBackward);
    }

    private static Tensor Activation<T>(Tensor x, string name, UnaryKernel<T> forward, UnaryBackwardKernel<T> backward)
        where T : IFloatingPointIeee754<T>
    {
        Tensor y = NewLike(x, x.ShapeSpan);
        forward(x.Data<T>(), y.Data<T>());
        return GradNode.Record(y, name, [x], dy =>
        {
            Tensor dx = NewLike(x, x.ShapeSpan);
            backward(dy.Data<T>(), y.Data<T>(), dx.Data<T>());
            return [dx];
        });
    }
}
