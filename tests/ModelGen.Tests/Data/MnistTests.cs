using ModelGen.Data;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Data;

public sealed class MnistTests(ITestOutputHelper output)
{
    /// <summary>Writes synthetic digits under MNIST's file names, so the loader is tested on any machine.</summary>
    private static void WriteFakeMnist(string folder, MnistSplit split, int count, bool compress, int labelCount = -1)
    {
        (IdxArray images, IdxArray labels) = SyntheticDigits.GenerateIdx(count, seed: 5);
        if (labelCount >= 0) labels = new IdxArray([labelCount], labels.Data[..labelCount]);
        string suffix = compress ? ".gz" : "";
        IdxWriter.Write(Path.Combine(folder, Mnist.ImagesFileName(split) + suffix), images, compress);
        IdxWriter.Write(Path.Combine(folder, Mnist.LabelsFileName(split) + suffix), labels, compress);
    }

    [Theory]
    [InlineData(MnistSplit.Test, false)]
    [InlineData(MnistSplit.Test, true)]
    [InlineData(MnistSplit.Train, true)]
    public void Load_MnistLayoutFiles_ReturnsTheirImagesAsFeatures(MnistSplit split, bool compress)
    {
        using var folder = new TemporaryFolder();
        WriteFakeMnist(folder.Path, split, count: 30, compress);

        Dataset data = Mnist.Load(folder.Path, split);

        Dataset expected = SyntheticDigits.Generate(30, seed: 5);
        Assert.Equal(30, data.Count);
        Assert.Equal(784, data.FeatureCount);
        Assert.Equal(10, data.ClassCount);
        Assert.Equal(expected.Features, data.Features);
        Assert.Equal(expected.Labels, data.Labels);
        Assert.StartsWith(split == MnistSplit.Test ? "MNIST t10k: 30 images" : "MNIST train: 30 images", data.Description);
    }

    [Fact]
    public void Load_WithoutNormalisation_ScalesPixelsToUnitInterval()
    {
        using var folder = new TemporaryFolder();
        WriteFakeMnist(folder.Path, MnistSplit.Test, count: 10, compress: false);
        IdxArray images = IdxReader.Read(Path.Combine(folder.Path, Mnist.ImagesFileName(MnistSplit.Test)));

        Dataset data = Mnist.Load(folder.Path, normalize: false);

        Assert.Equal(images.Data.Select(pixel => pixel / 255f), data.Features);
    }

    [Fact]
    public void ToFeatures_ExtremePixels_MatchPyTorchNormalisation()
    {
        var features = new float[2];

        Mnist.ToFeatures([0, 255], features);

        Assert.Equal(-0.1307f / 0.3081f, features[0], 6);
        Assert.Equal((1 - 0.1307f) / 0.3081f, features[1], 6);
    }

    [Fact]
    public void Load_MoreImagesThanLabels_ThrowsNamingBothFiles()
    {
        using var folder = new TemporaryFolder();
        WriteFakeMnist(folder.Path, MnistSplit.Test, count: 20, compress: true, labelCount: 19);

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path));

        Assert.Contains("holds 20 images but", error.Message);
        Assert.Contains("t10k-labels-idx1-ubyte.gz' holds 19 labels", error.Message);
    }

    [Fact]
    public void Load_LabelAboveNine_Throws()
    {
        using var folder = new TemporaryFolder();
        WriteFakeMnist(folder.Path, MnistSplit.Test, count: 3, compress: false);
        IdxWriter.Write(Path.Combine(folder.Path, Mnist.LabelsFileName(MnistSplit.Test)), new IdxArray([3], [1, 10, 2]), compress: false);

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path));

        Assert.Contains("label 1 is 10", error.Message);
    }

    [Fact]
    public void Load_ImagesNot28By28_Throws()
    {
        using var folder = new TemporaryFolder();
        WriteFakeMnist(folder.Path, MnistSplit.Test, count: 2, compress: false);
        IdxWriter.Write(Path.Combine(folder.Path, Mnist.ImagesFileName(MnistSplit.Test)), new IdxArray([2, 4, 4], new byte[32]), compress: false);

        var error = Assert.Throws<InvalidDataException>(() => Mnist.Load(folder.Path));

        Assert.Contains("shape [2, 4, 4]; MNIST images are [count, 28, 28]", error.Message);
    }

    [Fact]
    public void Load_LabelsMissing_ThrowsFileNotFound()
    {
        using var folder = new TemporaryFolder();
        WriteFakeMnist(folder.Path, MnistSplit.Test, count: 2, compress: true);
        File.Delete(Path.Combine(folder.Path, Mnist.LabelsFileName(MnistSplit.Test) + ".gz"));

        var error = Assert.Throws<FileNotFoundException>(() => Mnist.Load(folder.Path));

        Assert.Contains("'t10k-labels-idx1-ubyte' (or 't10k-labels-idx1-ubyte.gz') not found", error.Message);
    }

    [RequiresMnistFact]
    public void Load_RealTestSet_HasMnistShapeAndStatistics()
    {
        string folder = Mnist.Locate(out string report)!;
        output.WriteLine(report);

        Dataset data = Mnist.Load(folder);

        Assert.Equal(10_000, data.Count);
        Assert.Equal(28 * 28, data.FeatureCount);
        Assert.All(data.Labels, label => Assert.InRange(label, 0, 9));
        Assert.All(data.CountPerClass(), count => Assert.InRange(count, 800, 1_200));
        double mean = data.Features.Average(value => (double)value);
        output.WriteLine($"class counts {string.Join(", ", data.CountPerClass())}; normalised mean {mean:F4}");
        Assert.InRange(mean, -0.1, 0.1);
    }
}
