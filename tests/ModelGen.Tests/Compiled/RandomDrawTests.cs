using ModelGen.Tests.Models;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>Ops.RandnLike in the graph: drawn from Rng.Default in the same order eagerly and compiled.</summary>
public class RandomDrawTests
{
    [Fact]
    public void RandnLike_Eager_IsStandardNormalOfTheShape()
    {
        Tensor noise;
        lock (Rng.Default)
        {
            Rng.Default.Reseed(11);
            noise = Ops.RandnLike(Tensor.Zeros(200, 50));
        }
        float[] values = noise.ToArray();
        Assert.Equal(new[] { 200, 50 }, noise.Shape);
        double mean = values.Average(v => (double)v), variance = values.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(variance, 0.95, 1.05);
        Assert.False(noise.RequiresGrad);
    }

    [Fact]
    public void Compiled_SameSeed_DrawsWhatEagerDraws_ForwardAndGradients()
    {
        var model = new SampledVae();
        model.Initialize(3);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 8 });
        Tensor x = ModelHarness.RandomInput(5, [6], 1), target = ModelHarness.RandomInput(5, [6], 2);
        // Hold the global generator so that no other test's layer draws from it in between.
        lock (Rng.Default)
        {
            Rng.Default.Reseed(42);
            var (eagerRecon, _, _) = model.Forward(x);
            Rng.Default.Reseed(42);
            var (recon, _, _) = compiled.Forward(x);
            Assert.True(ModelHarness.MaxRelativeError(recon.ToArray(), eagerRecon.ToArray(), 1e-3) < 1e-5);
            float[] first = recon.ToArray(); // the compiled output buffer is reused by the next call
            var (again, _, _) = compiled.Forward(x);
            Assert.NotEqual(first, again.ToArray()); // the next call draws anew

            model.ZeroGrad();
            Rng.Default.Reseed(7);
            float eagerLoss = model.Loss(model.Forward(x), target).Item();
            Rng.Default.Reseed(7);
            model.Loss(model.Forward(x), target).Backward();
            var expected = model.Parameters().Select(p => p.Grad.ToArray()).ToArray();
            Rng.Default.Reseed(7);
            float loss = compiled.ComputeGradients(x, target);
            Assert.Equal(eagerLoss, loss, 4);
            for (int p = 0; p < expected.Length; p++)
            {
                double scale = Math.Max(ModelHarness.MaxAbs(expected[p]), 1e-6);
                Assert.True(ModelHarness.MaxRelativeError(model.Parameters()[p].Grad.ToArray(), expected[p], 1e-3 * scale) < 1e-3, model.Parameters()[p].Name);
            }
        }
    }
}
