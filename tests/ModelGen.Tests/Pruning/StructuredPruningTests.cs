using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>Structured (whole neurons and filters, Li et al. 2017) and 2:4 semi-structured pruning against their definitions.</summary>
public class StructuredPruningTests
{
    // Rows: A = [3, 0, 0, 0] (L1 3, L2 3), B = [1, -1, 1, -1] (L1 4, L2 2), C = [2, 2, -2, 2] (L1 8, L2 4).
    private static LayerListModel ThreeNeurons()
    {
        var model = new LayerListModel(("fc", new Linear(4, 3)), ("head", new Linear(3, 2)));
        model.Set("fc.weight", 3, 0, 0, 0, 1, -1, 1, -1, 2, 2, -2, 2);
        model.Set("fc.bias", 0.5f, 0.25f, -0.5f);
        return model;
    }

    [Theory]
    [InlineData(FilterNorm.L1, 0)] // L1 ranks A lowest
    [InlineData(FilterNorm.L2, 1)] // L2 ranks B lowest
    public void Structured_OneThirdOfNeurons_ZerosTheRowOfSmallestNormAndItsBias(FilterNorm norm, int expectedRow)
    {
        var model = ThreeNeurons();
        Prune.Structured(model, 1.0 / 3, norm);

        int[] row = [.. Enumerable.Range(4 * expectedRow, 4)];
        Assert.Equal(row, model["fc.weight"].Mask.ToArray().Select((keep, i) => (keep, i)).Where(e => !e.keep).Select(e => e.i));
        Assert.Subset(model.Zeros("fc.weight").ToHashSet(), row.ToHashSet());
        Assert.Equal(4, model["fc.weight"].PrunedCount);
        Assert.Equal([expectedRow], model.Zeros("fc.bias"));
    }

    [Fact]
    public void Structured_Default_SkipsTheLastDeclaredLayer()
    {
        var model = ThreeNeurons();
        var masked = Prune.Structured(model, 1.0);
        Assert.Equal(["fc.weight", "fc.bias"], masked.Select(p => p.Name));
        Assert.Equal(12, model.Zeros("fc.weight").Length);
        Assert.Empty(model.Zeros("head.weight"));
    }

    [Fact]
    public void Structured_NamedLayers_PrunesOnlyThoseAndRejectsOthers()
    {
        var model = ThreeNeurons();
        Prune.Structured(model, 0.5, layers: ["head"]);
        Assert.Equal(3, model.Zeros("head.weight").Length);
        Assert.False(model["fc.weight"].IsMasked);
        Assert.Throws<ArgumentException>(() => Prune.Structured(model, 0.5, layers: ["missing"]));
        var withPool = new LayerListModel(("pool", new MaxPool2d(2)));
        Assert.Throws<ArgumentException>(() => Prune.Structured(withPool, 0.5, layers: ["pool"]));
    }

    [Fact]
    public void Structured_Conv2d_ZerosWholeFiltersOfSmallestL1()
    {
        var conv = new Conv2d(2, 4, 2);
        var model = new LayerListModel(("conv", conv), ("head", new Linear(4, 2)));
        // Filter f holds the value (f scale) in every one of its 2·2·2 = 8 taps: L1 norms 8·|scale|.
        float[] scales = [0.5f, -0.1f, 0.3f, 0.2f];
        model.Set("conv.weight", [.. scales.SelectMany(s => Enumerable.Repeat(s, 8))]);
        Prune.Structured(model, 0.5);

        Assert.Equal([.. Enumerable.Range(8, 8), .. Enumerable.Range(24, 8)], model.Zeros("conv.weight"));
        Assert.Equal([1, 3], model.Zeros("conv.bias"));
    }

    [Fact]
    public void Structured_Ties_PruneTheEarlierUnit()
    {
        var model = ThreeNeurons();
        model.Set("fc.weight", 1, 1, 1, 1, -1, -1, -1, -1, 1, -1, 1, -1);
        Prune.Structured(model, 2.0 / 3);
        Assert.Equal([.. Enumerable.Range(0, 8)], model.Zeros("fc.weight"));
    }

    [Fact]
    public void SemiStructured24_HandGroups_ZerosTheTwoSmallestOfEachFourWithTiesToTheEarlier()
    {
        var model = new LayerListModel(("fc", new Linear(8, 1)));
        model.Set("fc.weight", 0.1f, -0.4f, 0.3f, -0.2f, 5, -5, 5, 5);
        Prune.SemiStructured24(model);
        Assert.Equal([0, 3, 4, 5], model.Zeros("fc.weight"));
        Assert.Empty(model.Zeros("fc.bias"));
    }

    [Fact]
    public void SemiStructured24_Linear_EveryGroupOfFourKeepsItsTwoLargest()
    {
        var model = new LayerListModel(("fc", new Linear(16, 6)));
        model.Initialize(7);
        float[] before = model["fc.weight"].Value.ToArray();
        Prune.SemiStructured24(model);
        float[] after = model["fc.weight"].Value.ToArray();

        for (int start = 0; start < after.Length; start += 4)
        {
            AssertTwoOfFour([start, start + 1, start + 2, start + 3], before, after);
        }
        Assert.Equal(48, model["fc.weight"].PrunedCount);
    }

    [Fact]
    public void SemiStructured24_Conv2d_GroupsRunAlongInputChannelsAtEachTap()
    {
        var model = new LayerListModel(("conv", new Conv2d(8, 3, 3)), ("skip", new Conv2d(6, 2, 1)));
        model.Initialize(11);
        float[] before = model["conv.weight"].Value.ToArray();
        var masked = Prune.SemiStructured24(model);
        float[] after = model["conv.weight"].Value.ToArray();

        // Weight [3, 8, 3, 3]: element (o, c, tap) at (o·8 + c)·9 + tap.
        for (int o = 0; o < 3; o++)
        {
            for (int first = 0; first < 8; first += 4)
            {
                for (int tap = 0; tap < 9; tap++)
                {
                    AssertTwoOfFour([.. Enumerable.Range(first, 4).Select(c => (o * 8 + c) * 9 + tap)], before, after);
                }
            }
        }
        // Six input channels cannot form groups of four: that layer is skipped.
        Assert.Equal(["conv.weight"], masked.Select(p => p.Name));
        Assert.Empty(model.Zeros("skip.weight"));
    }

    /// <summary>Exactly two of the group are zero, and each kept |w| is at least each pruned one's original |w|.</summary>
    private static void AssertTwoOfFour(int[] group, float[] before, float[] after)
    {
        int[] pruned = [.. group.Where(i => after[i] == 0)];
        int[] kept = [.. group.Where(i => after[i] != 0)];
        Assert.Equal(2, pruned.Length);
        Assert.All(kept, i => Assert.Equal(before[i], after[i]));
        Assert.True(kept.Min(i => Math.Abs(before[i])) >= pruned.Max(i => Math.Abs(before[i])),
            $"group {string.Join(",", group)} kept a smaller weight than it pruned");
    }
}
