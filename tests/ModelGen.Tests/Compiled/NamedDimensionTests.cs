using ModelGen.Tests.Models;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>A named dimension besides the batch (a sequence length): bounded at Compile, bound per call, checked.</summary>
public class NamedDimensionTests
{
    private static readonly CompileOptions Options = new() { MaxBatch = 4, MaxSizes = new Dictionary<string, int> { ["T"] = 6 } };

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(4, 6)]
    public void Compiled_MatchesEager_ForEverySequenceLengthUpToTheBound(int batch, int steps)
    {
        var model = new SequenceNet();
        model.Initialize(4);
        using var compiled = model.Compile(Options);
        Tensor x = ModelHarness.RandomInput(batch, [steps, 8], 1);
        Tensor targets = ModelHarness.RandomInput(batch, [steps, 4], 2);
        Tensor labels = ModelHarness.RandomLabels(batch, 3, 3);

        var (eagerSteps, eagerLogits) = model.Forward(x);
        var (steps1, logits1) = compiled.Forward(x);
        Assert.Equal(eagerSteps.Shape, steps1.Shape);
        Assert.Equal(eagerLogits.Shape, logits1.Shape);
        Assert.True(ModelHarness.MaxRelativeError(steps1.ToArray(), eagerSteps.ToArray(), 1e-3) < 1e-4);
        Assert.True(ModelHarness.MaxRelativeError(logits1.ToArray(), eagerLogits.ToArray(), 1e-3) < 1e-4);

        model.ZeroGrad();
        float eagerLoss = model.Loss(model.Forward(x), targets, labels).Item();
        model.Loss(model.Forward(x), targets, labels).Backward();
        var expected = model.Parameters().Select(p => p.Grad.ToArray()).ToArray();
        float loss = compiled.ComputeGradients(x, targets, labels);
        Assert.Equal(eagerLoss, loss, 4);
        for (int p = 0; p < expected.Length; p++)
        {
            double scale = Math.Max(ModelHarness.MaxAbs(expected[p]), 1e-6);
            Assert.True(ModelHarness.MaxRelativeError(model.Parameters()[p].Grad.ToArray(), expected[p], 1e-3 * scale) < 1e-3, model.Parameters()[p].Name);
        }
    }

    [Fact]
    public void Compile_WithoutABoundForT_NamesTheDimension()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SequenceNet().Compile(new CompileOptions { MaxBatch = 4 }));
        Assert.Contains("dimension named 'T'", error.Message);
        Assert.Contains("MaxSizes", error.Message);
    }

    [Fact]
    public void Forward_LongerThanTheBound_NamesTheDimensionAndTheBound()
    {
        var model = new SequenceNet();
        using var compiled = model.Compile(Options);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => compiled.Forward(ModelHarness.RandomInput(2, [7, 8], 1)));
        Assert.Contains("Dimension 'T' of 'x' (axis 1) must be between 1 and 6", error.Message);
    }

    [Fact]
    public void ComputeGradients_TargetsOfAnotherLength_NamesTheTensor()
    {
        var model = new SequenceNet();
        using var compiled = model.Compile(Options);
        var error = Assert.Throws<ArgumentException>(() => compiled.ComputeGradients(
            ModelHarness.RandomInput(2, [5, 8], 1), ModelHarness.RandomInput(2, [4, 4], 2), ModelHarness.RandomLabels(2, 3, 3)));
        Assert.Contains("Dimension 'T' of 'targets' (axis 1) is 4", error.Message);
    }
}
