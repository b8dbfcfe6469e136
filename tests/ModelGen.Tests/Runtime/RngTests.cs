using ModelGen;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>The generator's stream, ranges and distributions.</summary>
public class RngTests
{
    [Fact]
    public void NextUInt64_Seed0_MatchesReferenceXoshiro256StarStar()
    {
        // SplitMix64 from 0 gives the state; xoshiro256** outputs computed from the reference C code.
        var rng = new Rng(0UL);
        Assert.Equal(0x99EC5F36CB75F2B4UL, rng.NextUInt64());
        Assert.Equal(0xBF6E1F784956452AUL, rng.NextUInt64());
        Assert.Equal(0x1A5F849D4933E6E0UL, rng.NextUInt64());
    }

    [Fact]
    public void Rng_SameSeed_SameStream()
    {
        var a = new Rng(123);
        var b = new Rng(123L);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.NotEqual(new Rng(1).NextUInt64(), new Rng(2).NextUInt64());
    }

    [Fact]
    public void NextFloatAndUniform_ManyDraws_StayInHalfOpenRange()
    {
        var rng = new Rng(7);
        for (int i = 0; i < 100_000; i++)
        {
            float f = rng.NextFloat();
            Assert.True(f >= 0f && f < 1f);
            float u = rng.Uniform(-0.1f, 0.1f);
            Assert.True(u >= -0.1f && u < 0.1f);
            int n = rng.NextInt(7);
            Assert.InRange(n, 0, 6);
        }
    }

    [Fact]
    public void Normal_ManyDraws_HaveRequestedMeanAndDeviation()
    {
        var rng = new Rng(8);
        const int count = 200_000;
        double sum = 0, sumSquares = 0;
        for (int i = 0; i < count; i++)
        {
            double x = rng.Normal(2f, 3f);
            sum += x;
            sumSquares += x * x;
        }
        double mean = sum / count;
        double std = Math.Sqrt(sumSquares / count - mean * mean);
        Assert.InRange(mean, 2 - 0.03, 2 + 0.03);
        Assert.InRange(std, 3 - 0.03, 3 + 0.03);
    }

    [Fact]
    public void Uniform_InvalidBounds_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).Uniform(1f, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rng(1).Normal(0f, -1f));
    }
}
