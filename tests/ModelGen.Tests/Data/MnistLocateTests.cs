using ModelGen.Data;
using Xunit;

namespace ModelGen.Tests.Data;

public sealed class MnistLocateTests
{
    private static void Touch(string path) => File.WriteAllBytes(path, []);

    [Fact]
    public void Locate_NoCandidateHasTheFiles_ReportListsEveryCandidate()
    {
        using var folder = new TemporaryFolder();
        string missing = Path.Combine(folder.Path, "missing");
        string empty = Path.GetDirectoryName(folder.Combine("empty", "x"))!;
        string imagesOnly = Path.GetDirectoryName(folder.Combine("images-only", "x"))!;
        Touch(Path.Combine(imagesOnly, "t10k-images-idx3-ubyte.gz"));

        string? found = Mnist.Locate([missing, empty, imagesOnly], out string report);

        Assert.Null(found);
        Assert.Contains($"  {missing}: no such folder\n", report);
        Assert.Contains($"  {empty}: folder exists but holds neither file\n", report);
        Assert.Contains($"  {imagesOnly}: no t10k-labels-idx1-ubyte[.gz]\n", report);
        Assert.StartsWith("Looked for t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] in:\n", report);
        Assert.EndsWith("set MODELGEN_MNIST to the folder that holds them (nothing is downloaded).", report);
    }

    [Fact]
    public void Locate_SecondCandidateHasTheFiles_ReturnsItAndStops()
    {
        using var folder = new TemporaryFolder();
        string first = Path.Combine(folder.Path, "first");
        string second = Path.GetDirectoryName(folder.Combine("second", "x"))!;
        string third = Path.GetDirectoryName(folder.Combine("third", "x"))!;
        // One raw file and one compressed file: each name is accepted in either form.
        Touch(Path.Combine(second, "t10k-images-idx3-ubyte"));
        Touch(Path.Combine(second, "t10k-labels-idx1-ubyte.gz"));

        string? found = Mnist.Locate([first, second, third], out string report);

        Assert.Equal(second, found);
        Assert.Contains($"  {first}: no such folder\n", report);
        Assert.EndsWith($"  {second}: found\n", report);
        Assert.DoesNotContain(third, report);
    }

    [Fact]
    public void Locate_TrainSplit_LooksForTrainFiles()
    {
        using var folder = new TemporaryFolder();
        Touch(Path.Combine(folder.Path, "t10k-images-idx3-ubyte"));
        Touch(Path.Combine(folder.Path, "t10k-labels-idx1-ubyte"));

        string? found = Mnist.Locate([folder.Path], out string report, MnistSplit.Train);

        Assert.Null(found);
        Assert.Contains("train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]", report);
    }

    [Fact]
    public void Locate_BlankCandidate_ReportsItAsInvalid()
    {
        Assert.Null(Mnist.Locate([""], out string report));
        Assert.Contains("  '': not a valid path\n", report);
    }

    [Fact]
    public void DefaultCandidates_EnvironmentAndRoot_ListsSearchOrderWithoutDuplicates()
    {
        string root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "repo"));

        IReadOnlyList<string> candidates = Mnist.DefaultCandidates("/data/mnist", currentDirectory: root, repositoryRoot: root);

        Assert.Equal(
        [
            Path.GetFullPath("/data/mnist"),
            Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "mnist")),
            Path.Combine(root, "shared", "data", "mnist"),
        ], candidates);
    }

    [Fact]
    public void DefaultCandidates_NoEnvironmentNoRoot_SearchesCurrentDirectoryOnly()
    {
        string current = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "app"));

        IReadOnlyList<string> candidates = Mnist.DefaultCandidates(null, current, repositoryRoot: null);

        Assert.Equal(
        [
            Path.GetFullPath(Path.Combine(current, "..", "shared", "data", "mnist")),
            Path.Combine(current, "shared", "data", "mnist"),
        ], candidates);
    }

    [Fact]
    public void FindRepositoryRoot_FromTestBinaries_FindsTheSolutionFolder()
    {
        string? root = Mnist.FindRepositoryRoot(AppContext.BaseDirectory);

        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "ModelGen.sln")));
    }
}
