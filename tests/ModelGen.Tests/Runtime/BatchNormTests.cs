using Xunit;

namespace ModelGen.Tests.Runtime;

public class BatchNormTests
{
    private static BatchNorm2d Float64Layer(int channels, Rng rng)
    {
        var layer = new BatchNorm2d(channels, momentum: 0.2f);
        foreach (var (_, t) in layer.NamedParameters().Concat(layer.NamedBuffers())) t.CastInPlace(DType.Float64);
        Span<double> gamma = layer.Weight.AsSpanFloat64(), beta = layer.Bias.AsSpanFloat64(), mean = layer.RunningMean.AsSpanFloat64(), variance = layer.RunningVar.AsSpanFloat64();
        for (int c = 0; c < channels; c++)
        {
            gamma[c] = 0.5 + rng.NextDouble();
            beta[c] = rng.NextDouble() - 0.5;
            mean[c] = rng.NextDouble() - 0.5;
            variance[c] = 0.5 + rng.NextDouble();
        }
        return layer;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm2d_Gradients_MatchFiniteDifferencesInFloat64(bool training)
    {
        var rng = new Rng(3);
        BatchNorm2d layer = Float64Layer(3, rng);
        layer.Training = training;
        Tensor x = GradCheck.Random(rng, -2, 2, 4, 3, 2, 3);
        Tensor weights = GradCheck.Random(rng, -1, 1, 4, 3, 2, 3);
        GradCheck.Assert(() => Ops.Sum(layer.Forward(x) * weights), x, layer.Weight, layer.Bias);
    }

    [Fact]
    public void BatchNorm1d_Training_NormalisesPerChannel_AndMovesRunningStatisticsWithUnbiasedVariance()
    {
        var layer = new BatchNorm1d(2, momentum: 0.1f);
        Tensor x = Tensor.FromArray([1f, 10f, 3f, 20f, 5f, 60f], 3, 2);   // channel 0: 1, 3, 5; channel 1: 10, 20, 60
        float[] y = layer.Forward(x).ToArray();
        // Channel 0: mean 3, biased variance 8/3, so (1 - 3) / sqrt(8/3 + 1e-5).
        Assert.Equal(-2 / MathF.Sqrt(8f / 3 + 1e-5f), y[0], 1e-5f);
        Assert.Equal(0f, y[2], 1e-6f);
        Assert.Equal(0.1f * 3, layer.RunningMean.ToArray()[0], 1e-6f);
        Assert.Equal(0.9f * 1 + 0.1f * 4, layer.RunningVar.ToArray()[0], 1e-6f);   // unbiased variance 8/2 = 4
        Assert.Equal(1, layer.NumBatchesTracked);

        layer.Training = false;
        float[] evaluated = layer.Forward(x).ToArray();
        Assert.Equal((1 - 0.3f) / MathF.Sqrt(1.3f + 1e-5f), evaluated[0], 1e-5f);
        Assert.Equal(1, layer.NumBatchesTracked);
    }

    [Fact]
    public void BatchNorm_WrongChannels_ThrowsNamingShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new BatchNorm2d(4).Forward(Tensor.Zeros(2, 3, 5, 5)));
        Assert.Contains("[N, 4, ...]", error.Message);
    }

    [Fact]
    public void BatchNorm1d_TrainingOnOneValuePerChannel_FailsAsPyTorchDoes_EvalDoesNot()
    {
        var layer = new BatchNorm1d(3);
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(1, 3)));
        Assert.Contains("more than 1 value per channel", error.Message);
        layer.Training = false;
        Assert.Equal(new[] { 1, 3 }, layer.Forward(Tensor.Zeros(1, 3)).Shape);
    }
}
