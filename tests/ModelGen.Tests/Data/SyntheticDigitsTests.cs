using System.Runtime.InteropServices;
using ModelGen.Data;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Data;

public sealed class SyntheticDigitsTests(ITestOutputHelper output)
{
    [Fact]
    public void Generate_SameSeed_SameBytes()
    {
        Dataset first = SyntheticDigits.Generate(200, seed: 3);
        Dataset second = SyntheticDigits.Generate(200, seed: 3);

        Assert.True(MemoryMarshal.AsBytes(first.Features.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(second.Features.AsSpan())));
        Assert.Equal(first.Labels, second.Labels);
    }

    [Fact]
    public void Generate_OtherSeed_DifferentImagesAndLabels()
    {
        Dataset first = SyntheticDigits.Generate(200, seed: 3);
        Dataset other = SyntheticDigits.Generate(200, seed: 4);

        Assert.NotEqual(first.Labels, other.Labels);
        Assert.False(first.Features.AsSpan().SequenceEqual(other.Features));
    }

    [Fact]
    public void Generate_FixedSeed_MatchesRecordedDigest()
    {
        // A change to the glyphs, the augmentation or the generator changes every data set users have seen;
        // this catches it. Update the value only when such a change is intended (and say so in the README).
        (IdxArray images, IdxArray labels) = SyntheticDigits.GenerateIdx(50, seed: 1);

        Assert.Equal("9,7,6,5,4,2,8,0,1,3", string.Join(",", labels.Data[..10]));
        Assert.Equal(0x1AE9DCDC98721820UL, Fnv1a(images.Data));
    }

    [Fact]
    public void Generate_Prefix_EqualsSmallerGeneration()
    {
        Dataset small = SyntheticDigits.Generate(37, seed: 9);
        Dataset large = SyntheticDigits.Generate(80, seed: 9);

        Assert.Equal(small.Features, large.Features[..small.Features.Length]);
        Assert.Equal(small.Labels, large.Labels[..37]);
    }

    [Fact]
    public void Generate_ThousandAndThree_ClassesBalanced()
    {
        int[] counts = SyntheticDigits.Generate(1003, seed: 11).CountPerClass();

        Assert.Equal(10, counts.Length);
        Assert.Equal(1003, counts.Sum());
        Assert.All(counts, count => Assert.InRange(count, 100, 101));
    }

    [Fact]
    public void Generate_Values_FiniteAndWithinNormalisedPixelRange()
    {
        Dataset data = SyntheticDigits.Generate(300, seed: 2);
        float low = -Mnist.Mean / Mnist.StandardDeviation, high = (1 - Mnist.Mean) / Mnist.StandardDeviation;

        Assert.Equal(784, data.FeatureCount);
        Assert.All(data.Features, value => Assert.True(float.IsFinite(value) && value >= low && value <= high, $"{value}"));
        Assert.Contains(data.Features, value => value == high);
        Assert.Contains(data.Features, value => value == low);
    }

    [Fact]
    public void GenerateIdx_SameSeed_MatchesGenerateWithoutNormalisation()
    {
        (IdxArray images, IdxArray labels) = SyntheticDigits.GenerateIdx(20, seed: 6);
        Dataset data = SyntheticDigits.Generate(20, seed: 6, normalize: false);

        Assert.Equal([20, 28, 28], images.Shape);
        Assert.Equal(images.Data.Select(pixel => pixel / 255f), data.Features);
        Assert.Equal(labels.Data.Select(label => (int)label), data.Labels);
    }

    [Fact]
    public void NearestClassMean_TrainedOn2000_ScoresBetween60And100PercentOnOther1000()
    {
        // Learnable (class means alone separate most digits) but not trivial (translation, noise and erasures).
        Dataset all = SyntheticDigits.Generate(3000, seed: 7);
        Dataset train = all.Slice(0, 2000), test = all.Slice(2000, 1000);
        int features = train.FeatureCount;
        var means = new double[train.ClassCount * features];
        int[] counts = train.CountPerClass();
        for (int i = 0; i < train.Count; i++)
        {
            ReadOnlySpan<float> row = train.Row(i);
            for (int f = 0; f < features; f++) means[train.Labels[i] * features + f] += row[f] / (double)counts[train.Labels[i]];
        }

        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            ReadOnlySpan<float> row = test.Row(i);
            int best = -1;
            double bestDistance = double.MaxValue;
            for (int c = 0; c < test.ClassCount; c++)
            {
                double distance = 0;
                for (int f = 0; f < features; f++)
                {
                    double difference = row[f] - means[c * features + f];
                    distance += difference * difference;
                }
                if (distance < bestDistance) (best, bestDistance) = (c, distance);
            }
            if (best == test.Labels[i]) correct++;
        }

        double accuracy = correct / (double)test.Count;
        output.WriteLine($"nearest-class-mean accuracy {accuracy:P1}");
        Assert.InRange(accuracy, 0.6, 0.999);
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 0xCBF29CE484222325;
        foreach (byte b in bytes) hash = (hash ^ b) * 0x100000001B3;
        return hash;
    }
}
