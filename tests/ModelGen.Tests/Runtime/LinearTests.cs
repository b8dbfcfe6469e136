using ModelGen;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>The Linear layer: its product, its initialisation and its argument checks.</summary>
public class LinearTests
{
    [Fact]
    public void Forward_Batch_EqualsHandComputedProductPlusBias()
    {
        var layer = new Linear(3, 2);
        new[] { 1f, 2f, 3f, -1f, 0.5f, 2f }.CopyTo(layer.Weight.AsSpan());
        new[] { 0.25f, -1f }.CopyTo(layer.Bias!.AsSpan());
        var x = Tensor.FromArray(new[] { 1f, 0f, -1f, 2f, 1f, 0.5f }, 2, 3);

        var y = layer.Forward(x);

        // y[i, j] = Σ_k x[i, k] · W[j, k] + b[j]
        Assert.Equal(new[] { 2, 2 }, y.Shape);
        Assert.Equal(new[]
        {
            1 * 1 + 0 * 2 + -1 * 3 + 0.25f, 1 * -1 + 0 * 0.5f + -1 * 2 - 1f,
            2 * 1 + 1 * 2 + 0.5f * 3 + 0.25f, 2 * -1 + 1 * 0.5f + 0.5f * 2 - 1f,
        }, y.ToArray());
    }

    [Fact]
    public void Forward_Rank3AndRank1Inputs_KeepLeadingDimensions()
    {
        var layer = new Linear(4, 3, bias: false);
        Assert.Equal(new[] { 2, 5, 3 }, layer.Forward(Tensor.Zeros(2, 5, 4)).Shape);
        Assert.Equal(new[] { 3 }, layer.Forward(Tensor.Zeros(4)).Shape);
        Assert.Null(layer.Bias);
    }

    [Fact]
    public void Forward_WrongLastDimension_ThrowsNamingBothSizes()
    {
        var layer = new Linear(784, 10);
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(32, 785)));
        Assert.Contains("784", error.Message);
        Assert.Contains("785", error.Message);
        Assert.Contains("[32, 785]", error.Message);
        Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Scalar(1f)));
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(3, 0)]
    [InlineData(-1, 3)]
    public void Constructor_NonPositiveFeatures_Throws(int inFeatures, int outFeatures)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(inFeatures, outFeatures));
    }

    [Fact]
    public void ResetParameters_PyTorchDefault_StaysWithinOneOverSqrtIn()
    {
        var layer = new Linear(50, 40);
        float bound = 1f / MathF.Sqrt(50);
        float[] weights = layer.Weight.ToArray(), bias = layer.Bias!.ToArray();
        Assert.All(weights, w => Assert.InRange(w, -bound, bound));
        Assert.All(bias, b => Assert.InRange(b, -bound, bound));
        // Spread over the whole interval: a uniform sample of 2000 reaches near both ends and is centred.
        Assert.True(weights.Max() > 0.95f * bound && weights.Min() < -0.95f * bound);
        Assert.InRange(weights.Average(), -0.02f * bound * 5, 0.02f * bound * 5);
    }

    [Fact]
    public void ResetParameters_SameSeed_GivesSameValues()
    {
        var a = new Linear(7, 5);
        var b = new Linear(7, 5);
        a.ResetParameters(new Rng(42));
        b.ResetParameters(new Rng(42));
        Assert.Equal(a.Weight.ToArray(), b.Weight.ToArray());
        Assert.Equal(a.Bias!.ToArray(), b.Bias!.ToArray());

        b.ResetParameters(new Rng(43));
        Assert.NotEqual(a.Weight.ToArray(), b.Weight.ToArray());
    }

    [Fact]
    public void ResetParameters_Float64Layer_GetsTheSameDrawsWidened()
    {
        var single = new Linear(4, 3);
        var wide = new Linear(4, 3);
        foreach (var (_, value) in wide.NamedParameters()) value.CastInPlace(DType.Float64);
        single.ResetParameters(new Rng(9));
        wide.ResetParameters(new Rng(9));
        Assert.Equal(single.Weight.ToArrayFloat64(), wide.Weight.ToArrayFloat64());
    }

    [Fact]
    public void Constructor_DrawsFromTheDefaultGenerator_SoLayersDiffer()
    {
        Assert.NotEqual(new Linear(6, 6).Weight.ToArray(), new Linear(6, 6).Weight.ToArray());
    }

    [Fact]
    public void NamedParameters_WithAndWithoutBias_ListsWeightThenBias()
    {
        Assert.Equal(new[] { "weight", "bias" }, new Linear(2, 2).NamedParameters().Select(p => p.Name));
        Assert.Equal(new[] { "weight" }, new Linear(2, 2, bias: false).NamedParameters().Select(p => p.Name));
        Assert.True(new Linear(2, 2).Weight.RequiresGrad);
    }

    [Fact]
    public void ModelExtensions_CountAndCast_CoverEveryParameter()
    {
        var layer = new Linear(5, 3);
        var model = new LayerModel(layer);
        Assert.Equal(5 * 3 + 3, model.ParameterCount());
        model.CastInPlace(DType.Float64);
        Assert.Equal(DType.Float64, layer.Weight.DType);
        Assert.Equal(DType.Float64, layer.Forward(Tensor.Zeros(DType.Float64, 2, 5)).DType);
    }

    private sealed class LayerModel(Linear layer) : IModel
    {
        public IReadOnlyList<Parameter> Parameters() =>
            layer.NamedParameters().Select(p => new Parameter("layer." + p.Name, p.Value)).ToList();

        public void Initialize(int seed) => layer.ResetParameters(new Rng(seed));

        public IReadOnlyList<(string Name, ILayer Layer)> Layers() => [("layer", layer)];
    }
}
