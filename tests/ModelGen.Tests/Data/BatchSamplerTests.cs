using ModelGen.Data;
using Xunit;

namespace ModelGen.Tests.Data;

public sealed class BatchSamplerTests
{
    private static int[] Flatten(BatchSampler sampler, int epoch)
    {
        var order = new List<int>();
        foreach (ReadOnlyMemory<int> batch in sampler.GetEpoch(epoch)) order.AddRange(batch.ToArray());
        return [.. order];
    }

    [Fact]
    public void GetEpoch_Shuffled_VisitsEveryIndexExactlyOnce()
    {
        var sampler = new BatchSampler(count: 103, batchSize: 10, shuffle: true, seed: 1);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            int[] order = Flatten(sampler, epoch);
            Assert.Equal(Enumerable.Range(0, 103), order.Order());
        }
    }

    [Fact]
    public void GetEpoch_SameSeed_SameOrder()
    {
        var first = new BatchSampler(100, 8, shuffle: true, seed: 42);
        var second = new BatchSampler(100, 8, shuffle: true, seed: 42);

        Assert.Equal(Flatten(first, 0), Flatten(second, 0));
        Assert.Equal(Flatten(first, 5), Flatten(second, 5));
    }

    [Fact]
    public void GetEpoch_OtherSeed_DifferentOrder()
    {
        Assert.NotEqual(Flatten(new BatchSampler(100, 8, true, seed: 1), 0), Flatten(new BatchSampler(100, 8, true, seed: 2), 0));
    }

    [Fact]
    public void GetEpoch_NextEpoch_DifferentOrder()
    {
        var sampler = new BatchSampler(100, 8, shuffle: true, seed: 1);

        Assert.NotEqual(Flatten(sampler, 0), Flatten(sampler, 1));
    }

    [Fact]
    public void GetEpoch_RevisitedEpoch_RepeatsItsOrder()
    {
        // The order of an epoch depends on (seed, epoch) only, so a resumed run sees the same batches.
        var sampler = new BatchSampler(100, 8, shuffle: true, seed: 1);
        int[] epochTwo = Flatten(sampler, 2);
        Flatten(sampler, 3);

        Assert.Equal(epochTwo, Flatten(sampler, 2));
        Assert.NotEqual(Enumerable.Range(0, 100), epochTwo);
    }

    [Fact]
    public void GetEpoch_NoShuffle_IndexOrder()
    {
        var sampler = new BatchSampler(10, 4, shuffle: false);

        Assert.Equal(Enumerable.Range(0, 10), Flatten(sampler, 7));
    }

    [Fact]
    public void GetEpoch_DropLastFalse_KeepsPartialBatch()
    {
        BatchSampler.EpochBatches batches = new BatchSampler(10, 4, shuffle: false, dropLast: false).GetEpoch(0);

        Assert.Equal(3, batches.Count);
        Assert.Equal([8, 9], batches[2].ToArray());
    }

    [Fact]
    public void GetEpoch_DropLastTrue_LeavesOutPartialBatch()
    {
        var sampler = new BatchSampler(10, 4, shuffle: true, seed: 3, dropLast: true);

        BatchSampler.EpochBatches batches = sampler.GetEpoch(0);

        Assert.Equal(2, sampler.BatchesPerEpoch);
        Assert.Equal(2, batches.Count);
        Assert.All(Enumerable.Range(0, batches.Count), b => Assert.Equal(4, batches[b].Length));
        Assert.Equal(8, Flatten(sampler, 0).Distinct().Count());
    }

    [Fact]
    public void GetEpoch_ExactMultiple_AllBatchesFull()
    {
        var sampler = new BatchSampler(12, 4, shuffle: true, seed: 3, dropLast: false);

        Assert.Equal(3, sampler.BatchesPerEpoch);
        Assert.Equal(12, Flatten(sampler, 0).Length);
    }

    [Fact]
    public void GetEpoch_NoSamples_NoBatches()
    {
        Assert.Equal(0, new BatchSampler(0, 4, shuffle: true).GetEpoch(0).Count);
    }

    [Fact]
    public void Constructor_BatchSizeZero_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchSampler(10, 0, shuffle: true));
    }

    [Fact]
    public void GetEpoch_AfterFirstEpoch_AllocatesNothing()
    {
        var sampler = new BatchSampler(1000, 32, shuffle: true, seed: 5);
        long checksum = 0;
        foreach (ReadOnlyMemory<int> batch in sampler.GetEpoch(0)) checksum += batch.Span[0];

        int epoch = 1;
        long allocated = Allocations.SteadyState(() =>
        {
            for (int last = epoch + 5; epoch < last; epoch++)
                foreach (ReadOnlyMemory<int> batch in sampler.GetEpoch(epoch))
                    foreach (int index in batch.Span) checksum += index;
        });

        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
    }
}
