using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>LayerNorm's eager op against float64 finite differences and a direct computation, and its kernels' allocations.</summary>
public class LayerNormTests
{
    private static LayerNorm Float64Layer(int features, bool affine, Rng rng)
    {
        var layer = new LayerNorm(features, elementwiseAffine: affine);
        foreach (var (_, t) in layer.NamedParameters()) t.CastInPlace(DType.Float64);
        if (!affine) return layer;
        Span<double> gamma = layer.Weight!.AsSpanFloat64(), beta = layer.Bias!.AsSpanFloat64();
        for (int f = 0; f < features; f++)
        {
            gamma[f] = 0.5 + rng.NextDouble();
            beta[f] = rng.NextDouble() - 0.5;
        }
        return layer;
    }

    // Odd feature counts on both sides of a Vector256's lanes (4 doubles), so the vector body and the scalar tail both run.
    [Theory]
    [InlineData(new[] { 3, 5 }, true)]
    [InlineData(new[] { 3, 5 }, false)]
    [InlineData(new[] { 2, 13 }, true)]
    [InlineData(new[] { 2, 3, 7 }, true)]
    [InlineData(new[] { 2, 3, 7 }, false)]
    [InlineData(new[] { 1, 2, 19 }, true)]
    public void LayerNorm_Gradients_MatchFiniteDifferencesInFloat64(int[] shape, bool affine)
    {
        var rng = new Rng(5);
        LayerNorm layer = Float64Layer(shape[^1], affine, rng);
        Tensor x = GradCheck.Random(rng, -2, 2, shape);
        // A random weighting of the outputs: the plain sum of a normalised row has a zero gradient.
        Tensor weights = GradCheck.Random(rng, -1, 1, shape);
        Tensor[] inputs = affine ? [x, layer.Weight!, layer.Bias!] : [x];
        GradCheck.Assert(() => Ops.Sum(layer.Forward(x) * weights), inputs);
    }

    [Fact]
    public void LayerNorm_Forward_MatchesMeanAndBiasedVarianceOfEachRow()
    {
        var rng = new Rng(8);
        LayerNorm layer = Float64Layer(11, affine: true, rng);
        Tensor x = GradCheck.Random(rng, -3, 3, 4, 11);
        double[] y = layer.Forward(x).AsSpanFloat64().ToArray(), input = x.AsSpanFloat64().ToArray();
        double[] gamma = layer.Weight!.AsSpanFloat64().ToArray(), beta = layer.Bias!.AsSpanFloat64().ToArray();
        for (int r = 0; r < 4; r++)
        {
            double[] row = input[(r * 11)..((r + 1) * 11)];
            double mean = row.Average(), variance = row.Select(v => (v - mean) * (v - mean)).Average();
            for (int f = 0; f < 11; f++)
                Assert.Equal((row[f] - mean) / Math.Sqrt(variance + 1e-5) * gamma[f] + beta[f], y[r * 11 + f], 12);
        }
    }

    [Fact]
    public void LayerNorm_NewLayer_HasUnitWeightZeroBiasAndPyTorchNames()
    {
        var layer = new LayerNorm(6);
        Assert.Equal(["weight", "bias"], layer.NamedParameters().Select(p => p.Name));
        Assert.All(layer.Weight!.ToArray(), w => Assert.Equal(1f, w));
        Assert.All(layer.Bias!.ToArray(), b => Assert.Equal(0f, b));
        layer.Weight!.AsSpan().Fill(3f);
        layer.ResetParameters(new Rng(1));
        Assert.All(layer.Weight!.ToArray(), w => Assert.Equal(1f, w));
        Assert.Empty(new LayerNorm(6, elementwiseAffine: false).NamedParameters());
    }

    [Fact]
    public void LayerNorm_WrongLastAxis_ThrowsNamingShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new LayerNorm(4).Forward(Tensor.Zeros(2, 5)));
        Assert.Contains("[2, 5]", error.Message);
    }

    [Fact]
    public void LayerNormKernels_ForwardAndBackward_AllocateNothing()
    {
        const int rows = 6, features = 37;
        float[] x = new float[rows * features], dy = new float[rows * features], y = new float[rows * features], dx = new float[rows * features];
        float[] weight = new float[features], bias = new float[features], dWeight = new float[features], dBias = new float[features], stats = new float[2 * rows];
        var rng = new Rng(2);
        for (int i = 0; i < x.Length; i++) { x[i] = (float)rng.NextDouble(); dy[i] = (float)rng.NextDouble(); }
        weight.AsSpan().Fill(1f);
        long bytes = Allocations.SteadyState(() =>
        {
            global::ModelGen.Kernels.LayerNorm.Forward<float>(x, weight, bias, y, stats, features, 1e-5f);
            global::ModelGen.Kernels.LayerNorm.Backward<float>(dy, x, stats, weight, dx, dWeight, dBias, features);
        });
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void LayerNormKernel_Backward_SumsParameterGradientsOverRows_AndSkipsEmptyOutputs()
    {
        const int rows = 3, features = 9;
        var rng = new Rng(4);
        double[] x = Enumerable.Range(0, rows * features).Select(_ => rng.NextDouble()).ToArray();
        double[] dy = Enumerable.Range(0, rows * features).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[] y = new double[x.Length], stats = new double[2 * rows], dWeight = [.. Enumerable.Repeat(7.0, features)], dBias = new double[features];
        global::ModelGen.Kernels.LayerNorm.Forward<double>(x, default, default, y, stats, features, 1e-5);
        // dbias alone reads neither x nor the statistics; dweight overwrites what the buffer held.
        global::ModelGen.Kernels.LayerNorm.Backward<double>(dy, default, default, default, default, default, dBias, features);
        global::ModelGen.Kernels.LayerNorm.Backward<double>(dy, x, stats, default, default, dWeight, default, features);
        for (int f = 0; f < features; f++)
        {
            Assert.Equal(dy[f] + dy[features + f] + dy[2 * features + f], dBias[f], 12);
            Assert.Equal(dy[f] * y[f] + dy[features + f] * y[features + f] + dy[2 * features + f] * y[2 * features + f], dWeight[f], 12);
        }
    }
}
