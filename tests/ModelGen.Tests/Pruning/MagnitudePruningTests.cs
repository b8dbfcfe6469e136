using ModelGen.Pruning;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>Unstructured magnitude pruning against its definition on tensors small enough to check by hand.</summary>
public class MagnitudePruningTests
{
    private static LayerListModel TwoLayers()
    {
        var model = new LayerListModel(("a", new Linear(4, 2)), ("b", new Linear(2, 4)));
        model.Set("a.weight", 0.5f, -0.1f, 0.3f, -0.7f, 0.2f, 0.05f, -0.9f, 0.4f);
        model.Set("a.bias", 0.001f, -0.002f);
        model.Set("b.weight", 10f, -20f, 30f, -40f, 50f, -60f, 70f, -80f);
        return model;
    }

    [Fact]
    public void Magnitude_PerLayerHalf_PrunesTheFourSmallestOfEachWeightAndNoBias()
    {
        var model = TwoLayers();
        var pruned = Prune.Magnitude(model, 0.5);

        Assert.Equal(["a.weight", "b.weight"], pruned.Select(p => p.Name));
        // |w| of a: 0.5 0.1 0.3 0.7 0.2 0.05 0.9 0.4 -> the smallest four are at 5, 1, 4, 2.
        Assert.Equal([1, 2, 4, 5], model.Zeros("a.weight"));
        Assert.Equal([0, 1, 2, 3], model.Zeros("b.weight"));
        Assert.Empty(model.Zeros("a.bias"));
        Assert.False(model["a.bias"].IsMasked);
        Assert.Equal(4, model["a.weight"].PrunedCount);
        Assert.Equal(0.5f, model["a.weight"].Value.AsSpan()[0]);
    }

    [Fact]
    public void Magnitude_Global_DrawsOneThresholdSoTheSmallLayerGoesFirst()
    {
        var model = TwoLayers();
        Prune.Magnitude(model, 0.5, PruningScope.Global);

        // 8 of the 16 weights: every weight of a is smaller than any of b.
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7], model.Zeros("a.weight"));
        Assert.Empty(model.Zeros("b.weight"));

        var perLayer = TwoLayers();
        Prune.Magnitude(perLayer, 0.5, PruningScope.PerLayer);
        Assert.Equal(4, perLayer.Zeros("b.weight").Length);
    }

    [Fact]
    public void Magnitude_GlobalThreshold_SplitsAtTheGlobalOrderAcrossLayers()
    {
        var model = TwoLayers();
        model.Set("b.weight", 0.15f, 100, 100, 100, 0.35f, 100, 100, 100);
        Prune.Magnitude(model, 0.375, PruningScope.Global); // 6 of 16: 0.05 0.1 0.15 0.2 0.3 0.35

        Assert.Equal([1, 2, 4, 5], model.Zeros("a.weight"));
        Assert.Equal([0, 4], model.Zeros("b.weight"));
    }

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.3, 2)]    // 2.4
    [InlineData(0.3125, 2)] // 2.5 rounds to even, as Python's round
    [InlineData(0.4375, 4)] // 3.5 rounds to even
    [InlineData(1.0, 8)]
    public void Magnitude_Count_IsRoundHalfToEvenOfSparsityTimesSize(double sparsity, int expected)
    {
        var model = TwoLayers();
        Prune.Magnitude(model, sparsity);
        Assert.Equal(expected, model.Zeros("a.weight").Length);
        Assert.Equal(expected, model["a.weight"].PrunedCount);
    }

    [Fact]
    public void Magnitude_Ties_PruneTheEarlierElementsExactlyToTheCount()
    {
        var model = TwoLayers();
        model.Set("a.weight", 1, -1, 1, -1, 1, -1, 1, -1);
        Prune.Magnitude(model, 0.375);
        Assert.Equal([0, 1, 2], model.Zeros("a.weight"));
    }

    [Fact]
    public void Magnitude_RisingTarget_GrowsTheMaskAndALowerOneKeepsIt()
    {
        var model = TwoLayers();
        Prune.Magnitude(model, 0.25);
        Assert.Equal([1, 5], model.Zeros("a.weight"));
        // Pretend training moved a kept weight below the pruned ones' old values: the pruned stay pruned.
        model.Set("a.weight", 0.5f, 0, 0.3f, -0.7f, 0.01f, 0, -0.9f, 0.4f);
        Prune.Magnitude(model, 0.375);
        Assert.Equal([1, 4, 5], model.Zeros("a.weight"));
        Prune.Magnitude(model, 0.125);
        Assert.Equal([1, 4, 5], model.Zeros("a.weight"));
        Assert.Equal(3, model["a.weight"].PrunedCount);
    }

    [Fact]
    public void Magnitude_Default_LeavesNormParametersAlone()
    {
        var model = new LayerListModel(("fc", new Linear(3, 4)), ("norm", new BatchNorm1d(4)));
        Prune.Magnitude(model, 1.0);
        Assert.True(model["fc.weight"].Value.ToArray().All(v => v == 0));
        Assert.All(model.Parameters().Where(p => p.Name != "fc.weight"), p => Assert.False(p.IsMasked));
        Assert.Contains(model["norm.weight"].Value.ToArray(), v => v != 0);
    }

    [Fact]
    public void Magnitude_Include_SelectsTheParametersToPrune()
    {
        var model = TwoLayers();
        Prune.Magnitude(model, 0.5, include: p => p.Name == "a.bias");
        Assert.Equal([0], model.Zeros("a.bias"));
        Assert.Empty(model.Zeros("a.weight"));
    }

    [Fact]
    public void Magnitude_SparsityOutsideUnitInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Prune.Magnitude(TwoLayers(), 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Prune.Magnitude(TwoLayers(), double.NaN));
    }

    [Fact]
    public void RemoveMasks_ThenApplyMasks_PrunedValuesStayZeroButNoLongerHeld()
    {
        var model = TwoLayers();
        Prune.Magnitude(model, 0.5);
        model.Initialize(3);
        Prune.ApplyMasks(model);
        Assert.Equal([1, 2, 4, 5], model.Zeros("a.weight"));
        Prune.RemoveMasks(model);
        Assert.False(model["a.weight"].IsMasked);
        model.Initialize(3);
        Assert.Empty(model.Zeros("a.weight"));
    }

    [Fact]
    public void SparsityReport_CountsZerosPerParameterAndPrintsATable()
    {
        var model = TwoLayers();
        Prune.Magnitude(model, 0.5, PruningScope.Global);
        var report = SparsityReport.Of(model);

        var a = report.Rows[0];
        Assert.Equal(("a.weight", 8, 0, 1.0, true), (a.Name, a.Count, a.Nonzeros, a.Sparsity, a.Masked));
        Assert.Equal([2, 4], a.Shape);
        Assert.Equal((16, 8), report.Weights);
        Assert.Equal((22, 14), report.All); // biases: 2 + 4, all nonzero
        Assert.Equal(0.5, report.WeightSparsity);
        string text = report.ToString();
        Assert.Matches(@"a\.weight\s+\[2, 4\]\s+0\s+8\s+100\.00%\s+yes", text);
        Assert.Matches(@"weights \(rank >= 2\)\s+8\s+16\s+50\.00%", text);
    }
}
