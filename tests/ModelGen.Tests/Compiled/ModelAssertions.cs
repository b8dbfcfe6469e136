using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// The checks every compiled model must pass, reusable by any test file with its own models:
/// compiled forward versus eager (1e-5), compiled gradients versus eager backward (1e-4), and compiled float32
/// gradients versus central finite differences of the eager loss in float64 (1e-3). Relative errors are per element,
/// |a - b| / max(|b|, floor·max|b|), with floors 0.1, 0.1 and 1e-3 (elements far below a tensor's scale are judged
/// at that scale).
/// </summary>
public static class ModelAssertions
{
    public static void ForwardMatchesEager(ModelCase test, params int[] batches)
    {
        ModelInstance m = test.Create(7);
        foreach (int batch in batches.Length > 0 ? batches : new[] { 1, 5, 32 })
        {
            Tensor x = test.Input(batch, batch);
            float[] eager = m.EagerForward(x).ToArray();
            Tensor compiled = m.CompiledForward(x);
            Assert.Equal(batch, compiled.Size(0));
            double error = ModelHarness.MaxRelativeError(compiled.AsSpan(), eager, 0.1 * ModelHarness.MaxAbs(eager));
            Assert.True(error <= 1e-5, $"{test.Name} batch {batch}: max relative error {error:E2}");
        }
    }

    public static void GradientsMatchEager(ModelCase test)
    {
        ModelInstance m = test.Create(11);
        Tensor x = test.Input(17, 3);
        Tensor y = test.Targets(17, 4);
        m.Model.ZeroGrad();
        Tensor eagerLoss = m.EagerLoss(x, y);
        eagerLoss.Backward();
        float[][] eager = m.Model.Parameters().Select(p => p.Grad.ToArray()).ToArray();

        float compiledLoss = m.CompiledGradients(x, y);
        Assert.Equal(eagerLoss.Item(), compiledLoss, 1e-5 * Math.Max(1, Math.Abs(compiledLoss)));
        IReadOnlyList<Parameter> parameters = m.Model.Parameters();
        for (int i = 0; i < parameters.Count; i++)
        {
            double scale = ModelHarness.MaxAbs(eager[i]);
            double error = scale == 0 ? ModelHarness.MaxAbs(parameters[i].Grad.AsSpan()) : ModelHarness.MaxRelativeError(parameters[i].Grad.AsSpan(), eager[i], 0.1 * scale);
            Assert.True(error <= 1e-4, $"{test.Name} {parameters[i].Name}: max relative error {error:E2}");
        }
    }

    public static void GradientsMatchFiniteDifferences(ModelCase test, int elementsPerParameter = int.MaxValue, double step = 1e-6)
    {
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
                fd[i] = CentralDifference(reference, wide[p], elements[i], x64, y64, step);
                actual[i] = gradient[elements[i]];
            }
            double scale = fd.Max(Math.Abs);
            if (scale == 0) { Assert.All(actual, a => Assert.Equal(0f, a)); continue; }
            double error = ModelHarness.MaxRelativeError(actual, fd, 1e-3 * scale);
            Assert.True(error <= 1e-3, $"{test.Name} {parameters[p].Name}: max relative error {error:E2} over {count} elements");
        }
    }

    private static double CentralDifference(ModelInstance model, Parameter parameter, int element, Tensor x, Tensor y, double step)
    {
        Span<double> values = parameter.Value.AsSpanFloat64();
        double original = values[element];
        values[element] = original + step;
        double plus = model.EagerLoss(x, y).ItemFloat64();
        values[element] = original - step;
        double minus = model.EagerLoss(x, y).ItemFloat64();
        values[element] = original;
        return (plus - minus) / (2 * step);
    }
}
