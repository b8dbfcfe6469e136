using ModelGen.Optim;
using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

/// <summary>BatchNorm2d and BatchNorm1d behind convolution and linear layers.</summary>
[Model]
public sealed partial class NormNet
{
    readonly Conv2d conv = new(2, 4, 3, padding: 1, bias: false);
    readonly BatchNorm2d bn = new(4);
    readonly Linear fc = new(4 * 5 * 5, 6, bias: false);   // a bias before batch norm is cancelled by it (its gradient is 0)
    readonly BatchNorm1d bn1 = new(6, momentum: 0.3f);
    readonly Linear head = new(6, 3);

    public Tensor Forward([Shape("B", 2, 5, 5)] Tensor x)
    {
        var h = Relu(bn.Forward(conv.Forward(x)));
        h = Relu(bn1.Forward(fc.Forward(Flatten(h))));
        return head.Forward(h);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>Dropout between two layers, and right before the head.</summary>
[Model]
public sealed partial class DropNet
{
    readonly Linear fc = new(7, 9);
    readonly Dropout drop = new(0.3f);
    readonly Linear head = new(9, 3);

    public Tensor Forward([Shape("B", 7)] Tensor x) => head.Forward(drop.Forward(Tanh(fc.Forward(x))));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>
/// Train and inference are separate by construction: compiled Forward evaluates (running statistics, no dropout)
/// and compiled training uses batch statistics, moves the running ones and drops, exactly as eager Train()/Eval().
/// </summary>
public class NormalizationModelTests
{
    /// <summary>Eager forward in evaluation mode, eager loss in training mode, after two training batches moved the running statistics.</summary>
    private static readonly ModelCase Norm = new("NormNet", [2, 5, 5], 3, 3, seed =>
    {
        var m = new NormNet();
        m.Initialize(seed);
        m.Train();
        m.Forward(ModelHarness.RandomInput(8, [2, 5, 5], 100));
        m.Forward(ModelHarness.RandomInput(8, [2, 5, 5], 101));
        var c = m.Compile(new CompileOptions { MaxBatch = 32 });
        return new ModelInstance(m,
            x => { m.Eval(); Tensor y = m.Forward(x); m.Train(); return y; },
            (x, y) => { m.Train(); return m.Loss(m.Forward(x), y); },
            c.Forward, c.ComputeGradients);
    });

    [Fact]
    public void BatchNorm_CompiledForward_MatchesEagerEvaluation() => ModelAssertions.ForwardMatchesEager(Norm);

    [Fact]
    public void BatchNorm_CompiledGradients_MatchEagerTraining() => ModelAssertions.GradientsMatchEager(Norm);

    [Fact]
    public void BatchNorm_CompiledGradients_MatchFloat64FiniteDifferences() => ModelAssertions.GradientsMatchFiniteDifferences(Norm);

    [Fact]
    public void BatchNorm_TrainingStep_MovesRunningStatisticsAsEagerTrainingDoes()
    {
        NormNet eager = new(), compiled = new();
        eager.Initialize(4);
        compiled.Initialize(4);
        Tensor x = ModelHarness.RandomInput(10, [2, 5, 5], 1);
        Tensor y = ModelHarness.RandomLabels(10, 3, 2);
        eager.Train();
        eager.Forward(x);
        using var c = compiled.Compile(new CompileOptions { MaxBatch = 16 });
        c.ComputeGradients(x, y);
        foreach (var ((name, a), (_, b)) in eager.Layers().Zip(compiled.Layers()))
        {
            foreach (var ((buffer, va), (_, vb)) in a.NamedBuffers().Zip(b.NamedBuffers()))
            {
                double error = ModelHarness.MaxRelativeError(vb.AsSpan(), va.ToArray(), 1e-3);
                Assert.True(error <= 1e-5, $"{name}.{buffer}: max relative error {error:E2}");
            }
        }
        Assert.Equal(1, ((BatchNorm2d)compiled.Layers()[1].Layer).NumBatchesTracked);
        float[] before = ((BatchNorm2d)compiled.Layers()[1].Layer).RunningMean.ToArray();
        c.Forward(x);
        Assert.Equal(before, ((BatchNorm2d)compiled.Layers()[1].Layer).RunningMean.ToArray());
    }

    [Fact]
    public void Dropout_CompiledForward_IsTheIdentityLikeEagerEvaluation()
    {
        var m = new DropNet();
        m.Initialize(3);
        using var c = m.Compile(new CompileOptions { MaxBatch = 8 });
        Tensor x = ModelHarness.RandomInput(8, 7, 1);
        m.Eval();
        Assert.Equal(m.Forward(x).ToArray(), c.Forward(x).ToArray(), new Tolerance(1e-6f));
    }

    [Fact]
    public void Dropout_CompiledTraining_DrawsTheSameMasksAsEagerTrainingFromTheSameSeed()
    {
        DropNet eager = new(), compiled = new();
        eager.Initialize(9);
        compiled.Initialize(9);
        Tensor x = ModelHarness.RandomInput(12, 7, 1);
        Tensor y = ModelHarness.RandomLabels(12, 3, 2);
        using var c = compiled.Compile(new CompileOptions { MaxBatch = 16 });
        // Each eager training forward and each compiled step draws one mask from its layer's generator, so the two
        // sequences stay aligned step after step: losses and every gradient agree.
        for (int step = 0; step < 3; step++)
        {
            eager.ZeroGrad();
            Tensor eagerLoss = eager.Loss(eager.Forward(x), y);
            eagerLoss.Backward();
            float compiledLoss = c.ComputeGradients(x, y);
            Assert.Equal(eagerLoss.Item(), compiledLoss, 1e-5f);
            foreach (var (e, k) in eager.Parameters().Zip(compiled.Parameters()))
            {
                double error = ModelHarness.MaxRelativeError(k.Grad.AsSpan(), e.Grad.ToArray(), 0.1 * Math.Max(ModelHarness.MaxAbs(e.Grad.AsSpan()), 1e-12));
                Assert.True(error <= 1e-4, $"step {step} {e.Name}: max relative error {error:E2}");
            }
        }
    }

    [Fact]
    public void Dropout_Training_ZeroesAboutPAndScalesTheRest()
    {
        var drop = new Dropout(0.3f);
        drop.ResetParameters(new Rng(5));
        float[] y = drop.Forward(Tensor.FromArray(Enumerable.Repeat(1f, 20_000).ToArray(), 20_000)).ToArray();
        double zeros = y.Count(v => v == 0) / 20_000.0;
        Assert.InRange(zeros, 0.28, 0.32);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1f / 0.7f, v, 1e-6f));
        drop.Training = false;
        Tensor x = Tensor.FromArray([1f, 2f], 2);
        Assert.Same(x, drop.Forward(x));
    }

    private sealed class Tolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(b));
        public int GetHashCode(float value) => 0;
    }
}
