using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// Compiled float32 gradients against central finite differences of the loss computed in float64 (the eager path
/// on a copy of the model cast to Float64). Per element, relative error is |g - fd| / max(|fd|, 1e-3·max|fd|):
/// elements a thousand times below the parameter's largest gradient are judged at that level, since float32
/// cannot resolve them better. Required: at most 1e-3.
/// </summary>
public class FiniteDifferenceTests
{
    private const double Step = 1e-6;

    public static TheoryData<string, int> Cases => new()
    {
        { "TinyMlp", int.MaxValue },
        { "Regressor", int.MaxValue },
        { "SharedLayer", int.MaxValue },
        { "MnistMlp", 24 },   // 235k parameters: a seeded sample of elements from each parameter
        { "SmallConvNet", int.MaxValue },
        { "LeNet5", 24 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CompiledGradients_MatchFloat64FiniteDifferences(string name, int elementsPerParameter)
    {
        ModelCase test = ModelCase.Named(name);
        ModelInstance compiled = test.Create(21);
        ModelInstance reference = test.Create(21);
        reference.Model.CastInPlace(DType.Float64);

        Tensor x = test.Input(6, 9);
        Tensor y = test.Targets(6, 10);
        Tensor x64 = Tensor.FromArray(x.ToArray().Select(v => (double)v).ToArray(), x.Shape);
        Tensor y64 = y.DType == DType.Int32 ? y : Tensor.FromArray(y.ToArray().Select(v => (double)v).ToArray(), y.Shape);

        compiled.CompiledGradients(x, y);
        var rng = new Random(5);
        IReadOnlyList<Parameter> parameters = compiled.Model.Parameters(), wide = reference.Model.Parameters();
        for (int p = 0; p < parameters.Count; p++)
        {
            float[] gradient = parameters[p].Grad.ToArray();
            int count = Math.Min(elementsPerParameter, gradient.Length);
            int[] elements = count == gradient.Length ? Enumerable.Range(0, count).ToArray()
                : Enumerable.Range(0, count).Select(_ => rng.Next(gradient.Length)).ToArray();
            var fd = new double[count];
            var actual = new float[count];
            for (int i = 0; i < count; i++)
            {
                fd[i] = CentralDifference(reference, wide[p], elements[i], x64, y64);
                actual[i] = gradient[elements[i]];
            }
            double scale = fd.Max(Math.Abs);
            if (scale == 0) { Assert.All(actual, a => Assert.Equal(0f, a)); continue; }
            double error = ModelHarness.MaxRelativeError(actual, fd, 1e-3 * scale);
            Assert.True(error <= 1e-3, $"{name} {parameters[p].Name}: max relative error {error:E2} over {count} elements");
        }
    }

    private static double CentralDifference(ModelInstance model, Parameter parameter, int element, Tensor x, Tensor y)
    {
        Span<double> values = parameter.Value.AsSpanFloat64();
        double original = values[element];
        values[element] = original + Step;
        double plus = model.EagerLoss(x, y).ItemFloat64();
        values[element] = original - Step;
        double minus = model.EagerLoss(x, y).ItemFloat64();
        values[element] = original;
        return (plus - minus) / (2 * Step);
    }
}
