using ModelGen.Tests.Models;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// Numerically hard inputs in both modes: logits of ±1e4 through cross-entropy, BCE and softmax, constant rows
/// through layer norm. Losses and gradients stay finite and agree with the analytic limits.
/// </summary>
public class NumericalEdgeTests
{
    private static ExtremeScores Identity()
    {
        var model = new ExtremeScores();
        model.Initialize(1);
        Span<float> w = model.Parameters()[0].Value.AsSpan();
        w.Clear();
        for (int i = 0; i < 3; i++) w[i * 4] = 1f;
        model.Parameters()[1].Value.AsSpan().Clear();
        return model;
    }

    [Fact]
    public void ExtremeLogits_LossAndGradientsStayFinite_EagerAndCompiled()
    {
        var model = Identity();
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 4 });
        // Row 0 is confidently right, row 1 confidently wrong; a constant row goes through layer norm.
        Tensor x = Tensor.FromArray(new float[] { 1e4f, -1e4f, 0f, -1e4f, 1e4f, 0f, 7f, 7f, 7f }, 3, 3);
        Tensor labels = Tensor.FromArray(new[] { 0, 0, 2 }, 3);
        Tensor targets = Tensor.FromArray(new float[] { 1, 0, 0, 1, 0, 0, 1, 1, 1 }, 3, 3);

        float loss = compiled.ComputeGradients(x, labels, targets);
        Assert.True(float.IsFinite(loss));
        Assert.All(model.Parameters(), p => Assert.All(p.Grad.ToArray(), g => Assert.True(float.IsFinite(g), p.Name)));
        var compiledGradients = model.Parameters().Select(p => p.Grad.ToArray()).ToArray();

        model.ZeroGrad();
        Tensor eager = model.Loss(model.Forward(x), labels, targets);
        eager.Backward();
        Assert.True(float.IsFinite(eager.Item()));
        Assert.Equal(eager.Item(), loss, 0); // a loss near 1e4: equal to the unit
        // Cross-entropy: row 0 costs 0, row 1 the logit gap 2e4, the constant row ln 3. BCE per element is
        // max(z, 0) - z·t + log(1 + e^-|z|): 1e4 for (-1e4, t=1) and (1e4, t=0), ln 2 for z = 0, log(1 + e^-7) for (7, t=1),
        // about 0 for the confident right ones. Layer norm: rows 0 and 1 normalise to unit variance (squares sum to 3), row 2 to 0.
        double ce = (2e4 + Math.Log(3)) / 3;
        double bce = (2e4 + 2 * Math.Log(2) + 3 * Math.Log(1 + Math.Exp(-7))) / 9;
        Assert.Equal(ce + bce + 6.0 / 9, loss, 0.5);
        for (int p = 0; p < compiledGradients.Length; p++)
            Assert.True(ModelHarness.MaxRelativeError(compiledGradients[p], model.Parameters()[p].Grad.ToArray(), 1e-2) < 1e-3, model.Parameters()[p].Name);
        // The constant row normalises to zeros, not NaN.
        Assert.All(model.Forward(x).Normalized.ToArray().Skip(6), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Softmax_OfExtremeLogits_IsOneHot()
    {
        float[] p = Ops.Softmax(Tensor.FromArray(new float[] { 1e4f, -1e4f, 0f }, 1, 3)).ToArray();
        Assert.Equal(new[] { 1f, 0f, 0f }, p);
        float[] log = Ops.LogSoftmax(Tensor.FromArray(new float[] { 1e4f, -1e4f, 0f }, 1, 3)).ToArray();
        Assert.Equal(0f, log[0]);
        Assert.Equal(-2e4f, log[1], 0);
    }
}
