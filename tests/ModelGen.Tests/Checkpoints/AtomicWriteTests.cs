using ModelGen.Tests.Data;
using Xunit;

namespace ModelGen.Tests.Checkpoints;

/// <summary>SafeTensors.Write to a path replaces the file whole or not at all.</summary>
public class AtomicWriteTests
{
    private static IEnumerable<(string, Tensor)> ThrowsAfterOne()
    {
        yield return ("first", Tensor.FromArray([9f], 1));
        throw new InvalidOperationException("the source failed midway");
    }

    [Fact]
    public void Write_EnumerationThrowsMidway_LeavesTheOldFileUnchangedAndNoTemporaryFile()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("state.safetensors");
        SafeTensors.Write(path, [("w", Tensor.FromArray([1f, 2f], 2))]);
        byte[] before = File.ReadAllBytes(path);

        var error = Assert.Throws<InvalidOperationException>(() => SafeTensors.Write(path, ThrowsAfterOne()));

        Assert.Equal("the source failed midway", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([1f, 2f], SafeTensors.Read(path)["w"].Value.ToArray());
        Assert.Equal(["state.safetensors"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_InvalidTensorName_LeavesTheOldFileUnchanged()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("state.safetensors");
        SafeTensors.Write(path, [("w", Tensor.FromArray([1f, 2f], 2))]);
        byte[] before = File.ReadAllBytes(path);

        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [("a", Tensor.Scalar(1f)), ("a", Tensor.Scalar(2f))]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Write_ToFolderThatDoesNotExist_ThrowsAndCreatesNothing()
    {
        using var folder = new TemporaryFolder();
        string path = Path.Combine(folder.Path, "missing", "state.safetensors");
        Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Write(path, [("w", Tensor.Scalar(1f))]));
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void Write_Success_ReplacesTheFileWithTheSameBytesAsSerialize()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("state.safetensors");
        SafeTensors.Write(path, [("old", Tensor.FromArray([1f, 2f, 3f], 3))]);
        (string, Tensor)[] tensors = [("new", Tensor.FromArray([4.0], 1))];

        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["v"] = "2" });

        Assert.Equal(SafeTensors.Serialize(tensors, new Dictionary<string, string> { ["v"] = "2" }), File.ReadAllBytes(path));
    }
}
