using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// The compiled model against the eager reference on the same parameters. Relative error per element is
/// |compiled - eager| / max(|eager|, 0.1·max|eager|): elements far below the tensor's scale are judged at that scale.
/// </summary>
public class CompiledVersusEagerTests
{
    public static TheoryData<string> Cases => new(ModelCase.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_RandomBatches_MatchesEagerWithin1e5(string name)
    {
        ModelCase test = ModelCase.Named(name);
        ModelInstance m = test.Create(7);
        foreach (int batch in new[] { 1, 5, 32 })
        {
            Tensor x = test.Input(batch, batch);
            float[] eager = m.EagerForward(x).ToArray();
            Tensor compiled = m.CompiledForward(x);
            Assert.Equal(batch, compiled.Size(0));
            double error = ModelHarness.MaxRelativeError(compiled.AsSpan(), eager, 0.1 * ModelHarness.MaxAbs(eager));
            Assert.True(error <= 1e-5, $"batch {batch}: max relative error {error:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_RandomBatch_MatchEagerBackwardWithin1e4(string name)
    {
        ModelCase test = ModelCase.Named(name);
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
            Assert.True(error <= 1e-4, $"{parameters[i].Name}: max relative error {error:E2}");
        }
    }

    [Fact]
    public void ComputeGradients_Overwrites_DoesNotAccumulate()
    {
        ModelCase test = ModelCase.Named("TinyMlp");
        ModelInstance m = test.Create(1);
        Tensor x = test.Input(8, 1);
        Tensor y = test.Targets(8, 2);
        m.CompiledGradients(x, y);
        float[] once = m.Model.Parameters()[0].Grad.ToArray();
        m.CompiledGradients(x, y);
        Assert.Equal(once, m.Model.Parameters()[0].Grad.ToArray());
    }

    [Fact]
    public void UnusedLayer_GradientIsZero_AndDeclaredParametersAreListed()
    {
        ModelCase test = ModelCase.Named("SharedLayer");
        ModelInstance m = test.Create(5);
        foreach (Parameter p in m.Model.Parameters()) p.Grad.AsSpan().Fill(3f);
        m.CompiledGradients(test.Input(4, 1), test.Targets(4, 1));
        Parameter unused = m.Model.Parameters().Single(p => p.Name == "unused.weight");
        Assert.All(unused.Grad.ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(m.Model.Parameters(), p => p.Name == "shared.weight" && ModelHarness.MaxAbs(p.Grad.AsSpan()) > 0);
    }
}
