using ModelGen.Optim;
using ModelGen.Pruning;
using Samples.LeNet;
using Samples.Mnist;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// The compiled models honour pruning masks: generated <c>TrainStep</c> writes every gradient (pruned entries
/// included), then calls the optimizer, which zeros them again, so the weights stay exactly as sparse while the
/// kept ones train.
/// </summary>
public class CompiledPruningTests
{
    private static (Tensor X, Tensor Labels) RandomBatch(int batch, int[] sampleShape, int seed)
    {
        var rng = new Rng((ulong)seed);
        var x = Tensor.Zeros([batch, .. sampleShape]);
        rng.FillUniform(x, -1, 1);
        var labels = Tensor.FromArray([.. Enumerable.Range(0, batch).Select(i => (i * 7 + seed) % 10)], batch);
        return (x, labels);
    }

    /// <summary>Every masked element is exactly zero, and the pruned counts are those the masks hold.</summary>
    private static void AssertMasksHold(IModel model)
    {
        foreach (var parameter in model.Parameters().Where(p => p.IsMasked))
        {
            float[] value = parameter.Value.ToArray();
            ReadOnlySpan<bool> mask = parameter.Mask;
            for (int i = 0; i < value.Length; i++)
            {
                if (!mask[i] && value[i] != 0) Assert.Fail($"{parameter.Name}[{i}] = {value[i]} though pruned");
            }
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("adamw")]
    [InlineData("sgd")]
    public void CompiledMnistMlp_TrainStepAfterGlobalPruning_KeepsPrunedWeightsZero(string kind)
    {
        var model = new MnistMlp();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 32 });
        IOptimizer optimizer = kind switch
        {
            "adam" => new Adam(model.Parameters(), lr: 1e-3, weightDecay: 1e-2),
            "adamw" => new AdamW(model.Parameters(), lr: 1e-3),
            _ => new Sgd(model.Parameters(), lr: 0.05, momentum: 0.9, weightDecay: 1e-3),
        };
        // Dense steps first so the optimizer has state for the weights about to be pruned.
        for (int step = 0; step < 3; step++)
        {
            var (x, y) = RandomBatch(32, [784], step);
            compiled.TrainStep(x, y, optimizer);
        }
        Prune.Magnitude(model, 0.8, PruningScope.Global);
        float[] keptBefore = model.Parameters()[0].Value.ToArray();
        for (int step = 3; step < 13; step++)
        {
            var (x, y) = RandomBatch(32, [784], step);
            compiled.TrainStep(x, y, optimizer);
            AssertMasksHold(model);
        }

        var report = SparsityReport.Of(model);
        var (count, nonzeros) = report.Weights;
        Assert.Equal(784 * 256 + 256 * 128 + 128 * 10, count);
        Assert.Equal(count - (int)Math.Round(0.8 * count), nonzeros);
        // The kept weights did train.
        float[] after = model.Parameters()[0].Value.ToArray();
        Assert.Contains(Enumerable.Range(0, after.Length), i => after[i] != 0 && after[i] != keptBefore[i]);
    }

    [Fact]
    public void CompiledMnistMlp_MaskedTrainStep_AllocatesNothing()
    {
        var model = new MnistMlp();
        model.Initialize(2);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 16 });
        Prune.Magnitude(model, 0.5);
        var adam = new Adam(model.Parameters(), lr: 1e-3);
        var sgd = new Sgd(model.Parameters(), lr: 0.01, momentum: 0.9);
        var (x, y) = RandomBatch(16, [784], 0);
        for (int i = 0; i < 3; i++)
        {
            compiled.TrainStep(x, y, adam);
            compiled.TrainStep(x, y, sgd);
        }
        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            compiled.TrainStep(x, y, adam);
            compiled.TrainStep(x, y, sgd);
        }));
    }

    [Fact]
    public void CompiledLeNet5_TrainStepAfterStructuredAnd24Pruning_KeepsPrunedWeightsZero()
    {
        var model = new LeNet5();
        model.Initialize(1);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 16 });
        var optimizer = new Sgd(model.Parameters(), lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 1e-3);
        var (x0, y0) = RandomBatch(16, [1, 28, 28], 0);
        compiled.TrainStep(x0, y0, optimizer);

        Prune.Structured(model, 0.5, FilterNorm.L2);            // conv1, conv2, fc1, fc2: half their units
        var semi = Prune.SemiStructured24(model);               // fc1, fc2, head (conv channels 1 and 6 are not multiples of 4)
        Assert.Equal(["fc1.weight", "fc2.weight", "head.weight"], semi.Select(p => p.Name));
        var before = SparsityReport.Of(model);
        for (int step = 1; step <= 5; step++)
        {
            var (x, y) = RandomBatch(16, [1, 28, 28], step);
            compiled.TrainStep(x, y, optimizer);
            AssertMasksHold(model);
        }
        var after = SparsityReport.Of(model);
        Assert.Equal(before.Rows.Select(r => (r.Name, r.Nonzeros)), after.Rows.Select(r => (r.Name, r.Nonzeros)));
        // conv1: 3 of 6 filters gone, 25 taps each, and 3 of its biases.
        var conv1 = after.Rows.Single(r => r.Name == "conv1.weight");
        Assert.Equal(75, conv1.Nonzeros);
        Assert.Equal(3, after.Rows.Single(r => r.Name == "conv1.bias").Nonzeros);
        // Whole pruned filters output exactly zero: the compiled forward agrees with the eager one on the pruned model.
        var (xe, _) = RandomBatch(4, [1, 28, 28], 9);
        float[] compiledLogits = compiled.Forward(xe).ToArray(), eagerLogits = model.Forward(xe).ToArray();
        for (int i = 0; i < eagerLogits.Length; i++) Assert.Equal(eagerLogits[i], compiledLogits[i], 3);
    }
}
