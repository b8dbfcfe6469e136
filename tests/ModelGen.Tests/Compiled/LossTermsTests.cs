using ModelGen.Tests.Models;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>A [Loss] returning (loss, terms...): the compiled step differentiates the loss and reports each term in the same pass.</summary>
public class LossTermsTests
{
    [Fact]
    public void ComputeGradients_ReportsEachTerm_AndDifferentiatesTheLossOnly()
    {
        var model = new TermsNet();
        model.Initialize(5);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 8 });
        Tensor x = ModelHarness.RandomInput(6, [4], 1), target = ModelHarness.RandomInput(6, [3], 2);

        model.ZeroGrad();
        var (loss, fit, penalty) = model.Loss(model.Forward(x), target);
        loss.Backward();
        var expected = model.Parameters().Select(p => p.Grad.ToArray()).ToArray();

        float compiledLoss = compiled.ComputeGradients(x, target);
        Assert.Equal(loss.Item(), compiledLoss, 5);
        Assert.Equal(["Fit", "Penalty"], TermsNet.Compiled.LossTermNames);
        Assert.Equal(fit.Item(), compiled.LossTerms[0], 5);
        Assert.Equal(penalty.Item(), compiled.LossTerms[1], 5);
        Assert.Equal(compiledLoss, compiled.LossTerms[0] + compiled.LossTerms[1], 5);
        for (int p = 0; p < expected.Length; p++)
            Assert.True(ModelHarness.MaxRelativeError(model.Parameters()[p].Grad.ToArray(), expected[p], 1e-4) < 1e-4);
    }
}
