using ModelGen.Data;
using Xunit;

namespace ModelGen.Tests.Data;

public sealed class DatasetTests
{
    // Five samples of three features; sample i holds i·10, i·10 + 1, i·10 + 2, so rows are easy to recognise.
    private static Dataset FiveRows()
    {
        float[] features = Enumerable.Range(0, 5).SelectMany(i => new float[] { i * 10, i * 10 + 1, i * 10 + 2 }).ToArray();
        return new Dataset(features, [0, 1, 2, 0, 1], featureCount: 3, classCount: 3, "five rows");
    }

    [Fact]
    public void Constructor_FeatureLengthMismatch_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset(new float[7], [0, 1], 3, 2, "bad"));

        Assert.Contains("2 samples of 3 features need 6 values, not 7", error.Message);
    }

    [Fact]
    public void Constructor_LabelOutsideClasses_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset(new float[6], [0, 2], 3, 2, "bad"));

        Assert.Contains("Label 2 of sample 1 is outside [0, 2)", error.Message);
    }

    [Fact]
    public void Properties_FiveRows_DescribeTheData()
    {
        Dataset data = FiveRows();

        Assert.Equal(5, data.Count);
        Assert.Equal(3, data.FeatureCount);
        Assert.Equal(3, data.ClassCount);
        Assert.Equal([20f, 21f, 22f], data.Row(2).ToArray());
        Assert.Equal([2, 2, 1], data.CountPerClass());
    }

    [Fact]
    public void Slice_Middle_CopiesRowsAndLabels()
    {
        Dataset data = FiveRows();

        Dataset slice = data.Slice(1, 3);
        slice.Features[0] = -1;

        Assert.Equal(3, slice.Count);
        Assert.Equal([-1f, 11, 12, 20, 21, 22, 30, 31, 32], slice.Features);
        Assert.Equal([1, 2, 0], slice.Labels);
        Assert.Equal(10f, data.Features[3]);
        Assert.Equal("five rows [1..4)", slice.Description);
    }

    [Fact]
    public void Slice_BeyondEnd_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FiveRows().Slice(3, 3));
    }

    [Fact]
    public void CopyBatch_Indices_CopiesRowsInIndexOrder()
    {
        Dataset data = FiveRows();
        var features = new float[6];
        var labels = new int[2];

        data.CopyBatch([4, 1], features, labels);

        Assert.Equal([40f, 41, 42, 10, 11, 12], features);
        Assert.Equal([1, 1], labels);
    }

    [Fact]
    public void CopyBatch_LongerDestination_LeavesTailUntouched()
    {
        var features = Enumerable.Repeat(-7f, 9).ToArray();
        var labels = new[] { -7, -7, -7 };

        FiveRows().CopyBatch([2], features, labels);

        Assert.Equal([20f, 21, 22, -7, -7, -7, -7, -7, -7], features);
        Assert.Equal([2, -7, -7], labels);
    }

    [Fact]
    public void CopyBatch_ShortDestination_Throws()
    {
        Assert.Throws<ArgumentException>(() => FiveRows().CopyBatch([0, 1], new float[5], new int[2]));
        Assert.Throws<ArgumentException>(() => FiveRows().CopyBatch([0, 1], new float[6], new int[1]));
    }

    [Fact]
    public void CopyBatch_IndexOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FiveRows().CopyBatch([0, 5], new float[6], new int[2]));
    }

    [Fact]
    public void CopyBatch_Repeated_AllocatesNothing()
    {
        Dataset data = FiveRows();
        var features = new float[9];
        var labels = new int[3];
        int[] indices = [3, 0, 4];
        data.CopyBatch(indices, features, labels);

        Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 100; i++) data.CopyBatch(indices, features, labels); }));
    }
}
