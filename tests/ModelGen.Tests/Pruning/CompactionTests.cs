using ModelGen.Pruning;
using Samples.LeNet;
using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Pruning;

/// <summary>A chain of Linear layers, to be pruned by unit.</summary>
[Model]
public sealed partial class ChainMlp
{
    readonly Linear fc1 = new(12, 10);
    readonly Linear fc2 = new(10, 8);
    readonly Linear head = new(8, 3);

    public Tensor Forward([Shape("B", 12)] Tensor x) => head.Forward(Gelu(fc2.Forward(Relu(fc1.Forward(x)))));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary><see cref="ChainMlp"/> with half its hidden units: the sizes <see cref="Prune.CompactSizes"/> gives after <c>Structured(0.5)</c>.</summary>
[Model]
public sealed partial class ChainMlpCompact
{
    readonly Linear fc1 = new(12, 5);
    readonly Linear fc2 = new(5, 4);
    readonly Linear head = new(4, 3);

    public Tensor Forward([Shape("B", 12)] Tensor x) => head.Forward(Gelu(fc2.Forward(Relu(fc1.Forward(x)))));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>A grouped convolution: its channels cannot be dropped one by one.</summary>
[Model]
public sealed partial class GroupedConvNet
{
    readonly Conv2d conv = new(4, 4, 3, groups: 2);
    readonly Linear head = new(4 * 4 * 4, 3);

    public Tensor Forward([Shape("B", 4, 6, 6)] Tensor x) => head.Forward(Flatten(Relu(conv.Forward(x))));
}

/// <summary>
/// Structured pruning made physical: the pruned chain copied into a model compiled with the smaller sizes computes
/// the same outputs and the same gradients for the weights it keeps.
/// </summary>
public class CompactionTests
{
    private static (Tensor X, Tensor Labels) Batch(int seed)
    {
        var x = Tensor.Zeros(6, 12);
        new Rng((ulong)seed).FillUniform(x, -2, 2);
        return (x, Tensor.FromArray([0, 1, 2, 2, 1, 0], 6));
    }

    private static ChainMlp PrunedChain()
    {
        var model = new ChainMlp();
        model.Initialize(4);
        Prune.Structured(model, 0.5);
        return model;
    }

    [Fact]
    public void CompactSizes_AfterHalvingTheHiddenUnits_AreThoseOfTheCompactModel()
    {
        Assert.Equal([("fc1", 12, 5), ("fc2", 5, 4), ("head", 4, 3)], Prune.CompactSizes(PrunedChain()));
        Assert.Equal([("fc1", 12, 10), ("fc2", 10, 8), ("head", 8, 3)], Prune.CompactSizes(new ChainMlp()));
    }

    [Fact]
    public void Compact_CompiledSmallerModel_GivesTheSameLogitsLossAndKeptGradients()
    {
        ChainMlp source = PrunedChain();
        var target = new ChainMlpCompact();
        Prune.Compact(source, target);
        using var big = source.Compile(new CompileOptions { MaxBatch = 8 });
        using var small = target.Compile(new CompileOptions { MaxBatch = 8 });
        var (x, labels) = Batch(1);

        float[] expected = big.Forward(x).ToArray(), actual = small.Forward(x).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        Assert.Equal(big.ComputeGradients(x, labels), small.ComputeGradients(x, labels), 5);

        // Each kept weight's gradient is the same in both models: the removed units contributed nothing.
        int[] kept1 = KeptRows(source, "fc1.bias"), kept2 = KeptRows(source, "fc2.bias");
        AssertGathered(source, target, "fc1.weight", kept1, [.. Enumerable.Range(0, 12)], 12);
        AssertGathered(source, target, "fc2.weight", kept2, kept1, 10);
        AssertGathered(source, target, "head.weight", [0, 1, 2], kept2, 8);
    }

    [Fact]
    public void Compact_CarriesUnstructuredMasksOnTheKeptWeights()
    {
        ChainMlp source = PrunedChain();
        Prune.Magnitude(source, 0.75);
        var target = new ChainMlpCompact();
        Prune.Compact(source, target);
        // fc1 keeps 5 rows of 12: the 0.75 · 120 = 90 pruned are the 60 of the removed rows and 30 among the kept.
        Parameter fc1 = target.Parameters()[0];
        Assert.True(fc1.IsMasked);
        Assert.Equal(30, fc1.PrunedCount);
        Assert.Equal(30, fc1.Value.ToArray().Count(v => v == 0));
    }

    [Fact]
    public void Compact_TargetOfTheWrongSizes_ThrowsNamingTheNeededSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => Prune.Compact(PrunedChain(), new ChainMlp()));
        Assert.Contains("fc1 = Linear(12, 5), fc2 = Linear(5, 4), head = Linear(4, 3)", error.Message);
    }

    [Fact]
    public void Compact_LeNetWithHalfItsFiltersAndUnits_CompiledSmallerGivesTheSameLogitsAndKeptGradients()
    {
        var source = new LeNet5();
        source.Initialize(6);
        Prune.Structured(source, 0.5);
        Assert.Equal([("conv1", 1, 3), ("conv2", 3, 8), ("fc1", 200, 60), ("fc2", 60, 42), ("head", 42, 10)], Prune.CompactSizes(source));
        var target = new LeNet5Half();
        Prune.Compact(source, target);
        using var big = source.Compile(new CompileOptions { MaxBatch = 4 });
        using var small = target.Compile(new CompileOptions { MaxBatch = 4 });
        var x = Tensor.Zeros(4, 1, 28, 28);
        new Rng(3).FillUniform(x, 0, 1);
        Tensor labels = Tensor.FromArray([3, 1, 4, 1], 4);

        float[] expected = big.Forward(x).ToArray(), actual = small.Forward(x).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        Assert.Equal(big.ComputeGradients(x, labels), small.ComputeGradients(x, labels), 5);

        // The kept filters and their kept input channels (25 taps each); fc1's columns are the kept channels' 25 features.
        int[] filters1 = KeptRows(source, "conv1.bias"), filters2 = KeptRows(source, "conv2.bias"), units1 = KeptRows(source, "fc1.bias");
        int[] Blocks(int[] units, int block) => [.. units.SelectMany(u => Enumerable.Range(u * block, block))];
        AssertGathered(source, target, "conv1.weight", filters1, Blocks([0], 25), 25);
        AssertGathered(source, target, "conv2.weight", filters2, Blocks(filters1, 25), 150);
        AssertGathered(source, target, "fc1.weight", units1, Blocks(filters2, 25), 400);
    }

    [Fact]
    public void Compact_GroupedConvolution_IsRefused()
    {
        var error = Assert.Throws<NotSupportedException>(() => Prune.CompactSizes(new GroupedConvNet()));
        Assert.Contains("groups 1", error.Message);
    }

    [Fact]
    public void Compact_LeNetIntoTheMlp_ThrowsNamingTheConvolutionSizes()
    {
        var source = new LeNet5();
        Prune.Structured(source, 0.5);
        var error = Assert.Throws<ArgumentException>(() => Prune.Compact(source, new LeNet5()));
        Assert.Contains("conv1 = Conv2d(1, 3, 5), conv2 = Conv2d(3, 8, 5), fc1 = Linear(200, 60)", error.Message);
    }

    private static int[] KeptRows(IModel model, string bias)
        => [.. model.Parameters().Single(p => p.Name == bias).Mask.ToArray().Select((keep, i) => (keep, i)).Where(e => e.keep).Select(e => e.i)];

    private static void AssertGathered(IModel source, IModel target, string name, int[] rows, int[] columns, int width)
    {
        float[] from = source.Parameters().Single(p => p.Name == name).Grad.ToArray();
        float[] to = target.Parameters().Single(p => p.Name == name).Grad.ToArray();
        for (int r = 0; r < rows.Length; r++)
        {
            for (int c = 0; c < columns.Length; c++) Assert.Equal(from[rows[r] * width + columns[c]], to[r * columns.Length + c], 5);
        }
    }
}
