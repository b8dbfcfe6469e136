using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>The compiled model against the eager reference on the same parameters (see <see cref="ModelAssertions"/>).</summary>
public class CompiledVersusEagerTests
{
    public static TheoryData<string> Cases => new(ModelCase.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_RandomBatches_MatchesEagerWithin1e5(string name) => ModelAssertions.ForwardMatchesEager(ModelCase.Named(name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_RandomBatch_MatchEagerBackwardWithin1e4(string name) => ModelAssertions.GradientsMatchEager(ModelCase.Named(name));

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
