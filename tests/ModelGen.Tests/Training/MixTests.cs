using ModelGen.Data;
using ModelGen.Data.Transforms;
using ModelGen.Tests.Runtime;
using ModelGen.Training;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>mixup and CutMix against their definitions, the Beta sampler's moments, and the class-balanced sampler.</summary>
public class MixTests
{
    [Theory]
    [InlineData(0.2)]
    [InlineData(1.0)]
    [InlineData(4.0)]
    public void Beta_SymmetricAlpha_HasMeanHalfAndVarianceOfBeta(double alpha)
    {
        // Beta(a, a): mean 1/2, variance 1 / (4(2a + 1)). 40,000 draws: standard errors ≈ 0.0025 and ≈ 0.001.
        var rng = new Rng(17);
        var draws = Enumerable.Range(0, 40_000).Select(_ => MixSampling.Beta(rng, alpha)).ToArray();
        double mean = draws.Average(), variance = draws.Select(d => (d - mean) * (d - mean)).Average();
        Assert.InRange(mean, 0.49, 0.51);
        Assert.Equal(1 / (4 * (2 * alpha + 1)), variance, 0.006);
        Assert.All(draws, d => Assert.InRange(d, 0, 1));
    }

    [Fact]
    public void Mixup_EachInputIsLambdaMineAndOneMinusLambdaTheOther()
    {
        // Sample i is constant i + 1 with label i, so a mixed value reveals the partner: λ(i+1) + (1−λ)(j+1).
        const int n = 8;
        var features = Tensor.FromArray(Enumerable.Range(0, n).SelectMany(i => Enumerable.Repeat((float)(i + 1), 6)).ToArray(), n, 6);
        var labels = Tensor.FromArray(Enumerable.Range(0, n).ToArray(), n);
        var mixed = new Mixup(alpha: 1.0, seed: 3).Apply(features, labels);

        Assert.Same(features, mixed.Features);
        Assert.Same(labels, mixed.LabelsA);
        int[] partners = mixed.LabelsB.ToArrayInt32();
        Assert.Equal(Enumerable.Range(0, n), partners.Order());   // a permutation
        for (int i = 0; i < n; i++)
        {
            float expected = (float)(mixed.Lambda * (i + 1) + (1 - mixed.Lambda) * (partners[i] + 1));
            Assert.All(features.AsSpan().Slice(i * 6, 6).ToArray(), v => Assert.Equal(expected, v, 5));
        }
    }

    [Fact]
    public void Mixup_LambdaOverManyBatches_AveragesHalf()
    {
        var mixup = new Mixup(alpha: 0.4, seed: 8);
        var lambdas = Enumerable.Range(0, 20_000).Select(_ => mixup.Apply(Tensor.Zeros(2, 1), Tensor.FromArray(new[] { 0, 1 }, 2)).Lambda).ToArray();
        Assert.InRange(lambdas.Average(), 0.49, 0.51);
        // Beta(0.4, 0.4) is U-shaped: more mass near the ends than in the middle fifth.
        Assert.True(lambdas.Count(l => l < 0.1) > lambdas.Count(l => l is > 0.4 and < 0.6));
    }

    [Fact]
    public void CutMix_PastesOneBoxFromThePartner_AndLambdaIsOneMinusBoxArea()
    {
        const int n = 6, side = 10;
        int observedBoxes = 0;
        var cutmix = new CutMix(alpha: 1.0, seed: 4);
        for (int trial = 0; trial < 50; trial++)
        {
            var features = Tensor.FromArray(Enumerable.Range(0, n).SelectMany(i => Enumerable.Repeat((float)(i + 1), 2 * side * side)).ToArray(), n, 2, side, side);
            var labels = Tensor.FromArray(Enumerable.Range(0, n).ToArray(), n);
            var mixed = cutmix.Apply(features, labels);
            var (top, left, height, width) = cutmix.LastBox;
            Assert.Equal(1 - (double)height * width / (side * side), mixed.Lambda, 12);
            int[] partners = mixed.LabelsB.ToArrayInt32();
            for (int i = 0; i < n; i++)
            {
                var image = features.AsSpan().Slice(i * 2 * side * side, 2 * side * side).ToArray();
                for (int c = 0; c < 2; c++)
                    for (int y = 0; y < side; y++)
                        for (int x = 0; x < side; x++)
                        {
                            bool inBox = y >= top && y < top + height && x >= left && x < left + width;
                            Assert.Equal(inBox ? partners[i] + 1 : i + 1, image[(c * side + y) * side + x]);
                        }
                // The fraction of pixels that came from the partner is 1 − λ (when the partner is another sample).
                if (partners[i] != i)
                    Assert.Equal(1 - mixed.Lambda, image.Count(v => v == partners[i] + 1) / (2.0 * side * side), 12);
            }
            if (height * width > 0) observedBoxes++;
        }
        Assert.True(observedBoxes > 40);
    }

    [Fact]
    public void MixupAndCutMix_SameSeed_SameBatches()
    {
        (float[], int[], double) Run(Func<Tensor, Tensor, MixedBatch> mix)
        {
            var features = Tensor.FromArray(Enumerable.Range(0, 8 * 64).Select(i => (float)(i % 17)).ToArray(), 8, 64);
            var mixed = mix(features, Tensor.FromArray(Enumerable.Range(0, 8).ToArray(), 8));
            return (features.ToArray(), mixed.LabelsB.ToArrayInt32(), mixed.Lambda);
        }
        // Tuples compare arrays by reference, so each part is compared on its own.
        void AssertSame((float[], int[], double) a, (float[], int[], double) b)
        {
            Assert.Equal(a.Item1, b.Item1);
            Assert.Equal(a.Item2, b.Item2);
            Assert.Equal(a.Item3, b.Item3);
        }
        AssertSame(Run(new Mixup(0.4, seed: 6).Apply), Run(new Mixup(0.4, seed: 6).Apply));
        var first = Run(new CutMix(1.0, seed: 6).Apply);
        AssertSame(first, Run(new CutMix(1.0, seed: 6).Apply));
        Assert.NotEqual(first.Item3, Run(new CutMix(1.0, seed: 7).Apply).Item3);
    }

    [Fact]
    public void MixedCrossEntropy_IsTheLambdaWeightedSum_AndItsGradientChecks()
    {
        var rng = new Rng(5);
        var logits = GradCheck.Random(rng, -2, 2, 4, 3);
        var a = Tensor.FromArray(new[] { 0, 1, 2, 1 }, 4);
        var b = Tensor.FromArray(new[] { 2, 2, 0, 1 }, 4);
        double expected = 0.3 * Ops.CrossEntropy(logits, a).ItemFloat64() + 0.7 * Ops.CrossEntropy(logits, b).ItemFloat64();
        Assert.Equal(expected, EagerLosses.MixedCrossEntropy(logits, a, b, 0.3).ItemFloat64(), 6);
        GradCheck.Assert(() => EagerLosses.MixedCrossEntropy(logits, new MixedBatch(logits, a, b, 0.25)), logits);
    }

    [Fact]
    public void WeightedRandomSampler_ClassBalancedWeights_DrawClassesEqually()
    {
        // 90 samples of class 0, 10 of class 1: balanced weights make each class half of the draws.
        int[] labels = Enumerable.Range(0, 100).Select(i => i < 90 ? 0 : 1).ToArray();
        double[] weights = WeightedRandomSampler.ClassBalancedWeights(labels, 2);
        Assert.Equal(1.0 / 90, weights[0]);
        Assert.Equal(1.0 / 10, weights[95]);
        var sampler = new WeightedRandomSampler(weights, sampleCount: 20_000, seed: 3);
        int[] draws = sampler.GetEpoch(1);
        Assert.InRange(draws.Count(i => labels[i] == 1) / 20_000.0, 0.48, 0.52);
        Assert.True(draws.Distinct().Count() > 95, "with replacement, but every sample can be drawn");
        Assert.Equal(draws.ToArray(), new WeightedRandomSampler(weights, 20_000, seed: 3).GetEpoch(1));
        Assert.NotEqual(draws.ToArray(), sampler.GetEpoch(2).ToArray());
    }

    [Fact]
    public void WeightedRandomSampler_ZeroWeights_AreNeverDrawn_AndProportionsFollowWeights()
    {
        var sampler = new WeightedRandomSampler([0, 1, 0, 3, 0], sampleCount: 40_000, seed: 1);
        int[] draws = sampler.GetEpoch(0);
        Assert.All(draws, i => Assert.True(i is 1 or 3, $"drew {i}"));
        Assert.InRange(draws.Count(i => i == 3) / 40_000.0, 0.74, 0.76);
        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([0, 0], 5));
        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([1, -1], 5));
    }

    [Fact]
    public void DataLoader_WithWeightedSampler_BatchesTheDraws()
    {
        var data = TrainerTests.Tiny(10);
        var sampler = new WeightedRandomSampler(WeightedRandomSampler.ClassBalancedWeights(data.Labels, 2), sampleCount: 25, seed: 2);
        var loader = new DataLoader(data, 10, sampler);
        Assert.Equal(3, loader.BatchesPerEpoch);
        int[] expected = (int[])sampler.GetEpoch(4).Clone();
        var seen = new List<int>();
        foreach (var (x, y) in loader.Epoch(4))
            for (int i = 0; i < y.Length; i++) seen.Add((int)x.AsSpan()[2 * i]);   // feature 0 of sample k is k
        Assert.Equal(expected, seen);
    }
}
