using ModelGen;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// The float32 path (the fast kernels) agrees with the float64 path on the same inputs, values and gradients,
/// within 1e-5 in <see cref="GradCheck.RelativeError"/>.
/// </summary>
public class PrecisionTests
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Cases() =>
    [
        "relu", "sigmoid", "tanh", "matmul", "crossentropy", "mse", "sum", "mean", "linear",
        "add", "sub", "mul", "div", "scalars", "network",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Op_Float32AndFloat64_AgreeInValueAndGradient(string name)
    {
        var rng = new Rng(100);
        int[][] shapes = ShapesOf(name);
        var values = new float[shapes.Length][];
        for (int i = 0; i < shapes.Length; i++)
        {
            values[i] = new float[shapes[i].Aggregate(1, (a, b) => a * b)];
            for (int j = 0; j < values[i].Length; j++)
            {
                // Magnitudes in [0.25, 2] with random signs: away from ReLU's kink and from division by ~0.
                float magnitude = rng.Uniform(0.25f, 2f);
                values[i][j] = rng.NextFloat() < 0.5f ? -magnitude : magnitude;
            }
        }

        var (value32, grads32) = Evaluate(name, DType.Float32, values, shapes);
        var (value64, grads64) = Evaluate(name, DType.Float64, values, shapes);

        Assert.True(GradCheck.MaxRelativeError(value32, value64) <= Tolerance, $"{name}: values differ");
        for (int i = 0; i < grads32.Length; i++)
        {
            double error = GradCheck.MaxRelativeError(grads32[i], grads64[i]);
            Assert.True(error <= Tolerance, $"{name}: gradient of input {i} differs by {error:E3}");
        }
    }

    private static int[][] ShapesOf(string name) => name switch
    {
        "matmul" => [[7, 13], [13, 5]],
        "crossentropy" => [[9, 6]],
        "mse" => [[5, 11], [5, 11]],
        "linear" => [[2, 3, 17], [9, 17], [9]],
        "add" => [[3, 1], [1, 4]],
        "sub" => [[2, 3, 4], [4]],
        "mul" => [[2, 3, 4], [3, 1]],
        "div" => [[3, 5], [5]],
        "network" => [[8, 17], [11, 17], [11], [4, 11], [4]],
        _ => [[5, 11]],
    };

    private static (double[] Value, double[][] Grads) Evaluate(string name, DType dtype, float[][] values, int[][] shapes)
    {
        var inputs = new Tensor[values.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = Tensor.FromArray(values[i], shapes[i]);
            inputs[i].CastInPlace(dtype);
            inputs[i].RequiresGrad = true;
        }
        var labels = Tensor.FromArray(new[] { 0, 5, 2, 2, 1, 4, 3, 0, 5 }, 9);
        Tensor y = name switch
        {
            "relu" => Ops.Relu(inputs[0]),
            "sigmoid" => Ops.Sigmoid(inputs[0]),
            "tanh" => Ops.Tanh(inputs[0]),
            "matmul" => Ops.MatMul(inputs[0], inputs[1]),
            "crossentropy" => Ops.CrossEntropy(inputs[0], labels),
            "mse" => Ops.MseLoss(inputs[0], inputs[1]),
            "sum" => Ops.Sum(inputs[0]),
            "mean" => Ops.Mean(inputs[0]),
            "linear" => LayerFrom(inputs, 1).Forward(inputs[0]),
            "add" => inputs[0] + inputs[1],
            "sub" => inputs[0] - inputs[1],
            "mul" => inputs[0] * inputs[1],
            "div" => inputs[0] / inputs[1],
            "scalars" => (2f - inputs[0]) * 0.5f + 3f / inputs[0] - (-inputs[0]) / 4f,
            "network" => Network(inputs),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        // A fixed, non-uniform weighting of the outputs, identical in both precisions.
        var weights = Tensor.FromArray(Enumerable.Range(0, y.Length).Select(i => 1f + (i % 7) * 0.25f).ToArray(), y.Shape);
        weights.CastInPlace(dtype);
        Ops.Sum(y * weights).Backward();
        return (y.ToArrayFloat64(), inputs.Select(t => t.Grad!.ToArrayFloat64()).ToArray());
    }

    // Puts the test's values into a layer's own tensors and substitutes them among the inputs, so the
    // caller reads the gradients the layer's weights received.
    private static Linear LayerFrom(Tensor[] inputs, int weightIndex)
    {
        Tensor weight = inputs[weightIndex], bias = inputs[weightIndex + 1];
        var layer = new Linear(weight.Size(1), weight.Size(0));
        foreach (var (_, value) in layer.NamedParameters()) value.CastInPlace(weight.DType);
        if (weight.DType == DType.Float32)
        {
            weight.AsSpan().CopyTo(layer.Weight.AsSpan());
            bias.AsSpan().CopyTo(layer.Bias!.AsSpan());
        }
        else
        {
            weight.AsSpanFloat64().CopyTo(layer.Weight.AsSpanFloat64());
            bias.AsSpanFloat64().CopyTo(layer.Bias!.AsSpanFloat64());
        }
        inputs[weightIndex] = layer.Weight;
        inputs[weightIndex + 1] = layer.Bias!;
        return layer;
    }

    private static Tensor Network(Tensor[] inputs)
    {
        var hidden = LayerFrom(inputs, 1);
        var output = LayerFrom(inputs, 3);
        var logits = output.Forward(Ops.Relu(Ops.Tanh(hidden.Forward(inputs[0]))));
        var labels = Tensor.FromArray(new[] { 0, 3, 2, 2, 1, 3, 1, 0 }, 8);
        return Ops.CrossEntropy(logits, labels) + Ops.MseLoss(Ops.Sigmoid(logits), Ops.Sigmoid(logits) * 0.5f);
    }
}
