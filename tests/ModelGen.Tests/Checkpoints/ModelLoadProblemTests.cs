using ModelGen.Tests.Compiled;
using ModelGen.Tests.Data;
using Xunit;

namespace ModelGen.Tests.Checkpoints;

/// <summary>Checkpoints that do not fit the model: strict loads throw one error listing everything and change nothing; non-strict loads report.</summary>
public class ModelLoadProblemTests
{
    /// <summary>The state of a NormNet with one key of each problem: missing, unexpected, wrong shape, wrong dtype (reported in the model's key order).</summary>
    private static OrderedDictionary<string, Tensor> FlawedState()
    {
        var state = ModelCheckpointTests.TrainedNormNet(seed: 1).StateDict();
        state.Remove("fc.weight");                                           // missing
        state.Add("extra.weight", Tensor.Zeros(2, 2));                      // unexpected
        state["head.weight"] = Tensor.Zeros(3, 5);                          // model has [3, 6]
        state["head.bias"] = Tensor.FromArray([1, 2, 3], 3);                // int32 for a float parameter
        state["bn1.num_batches_tracked"] = Tensor.Scalar(4f);               // float for the counter
        return state;
    }

    private static Dictionary<string, double[]> Snapshot(IModel model) =>
        model.StateDict().ToDictionary(pair => pair.Key, pair => pair.Value.ToArrayFloat64());

    [Fact]
    public void Load_StrictWithEveryKindOfProblem_ThrowsOnceListingAllAndChangesNothing()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("flawed.safetensors");
        Checkpoint.SaveStateDict(path, FlawedState());
        var model = ModelCheckpointTests.TrainedNormNet(seed: 2, trainingBatches: 3);
        var before = Snapshot(model);
        long versionBefore = model.Parameters()[0].Value.Version;

        var error = Assert.Throws<CheckpointMismatchException>(() => model.Load(path));

        Assert.Contains("missing key: fc.weight", error.Message);
        Assert.Contains("unexpected key: extra.weight", error.Message);
        Assert.Contains("shape mismatch: head.weight: the model has shape [3, 6], the checkpoint [3, 5]", error.Message);
        Assert.Contains("dtype mismatch: head.bias: the model holds Float32, the checkpoint I32", error.Message);
        Assert.Contains("dtype mismatch: bn1.num_batches_tracked: the model holds Int64, the checkpoint F32", error.Message);
        Assert.Contains(path, error.Message);
        Assert.Equal(5, error.Report.ProblemCount);
        Assert.Equal(["fc.weight"], error.Report.MissingKeys);
        Assert.Equal(["extra.weight"], error.Report.UnexpectedKeys);
        Assert.Equal("head.weight", Assert.Single(error.Report.ShapeMismatches).Name);
        Assert.Equal(["bn1.num_batches_tracked", "head.bias"], error.Report.DTypeMismatches.Select(m => m.Name));
        // Nothing was written: not even the keys that matched.
        Assert.Equal(before, Snapshot(model));
        Assert.Equal(versionBefore, model.Parameters()[0].Value.Version);
    }

    [Fact]
    public void Load_NonStrict_LoadsWhatMatchesAndReportsTheRest()
    {
        var flawed = FlawedState();
        var model = ModelCheckpointTests.TrainedNormNet(seed: 2, trainingBatches: 3);
        var before = Snapshot(model);

        LoadReport report = model.LoadStateDict(flawed, strict: false);

        Assert.False(report.IsExactMatch);
        Assert.Equal(["fc.weight"], report.MissingKeys);
        Assert.Equal(["extra.weight"], report.UnexpectedKeys);
        Assert.Equal(["head.weight"], report.ShapeMismatches.Select(m => m.Name));
        Assert.Equal(["bn1.num_batches_tracked", "head.bias"], report.DTypeMismatches.Select(m => m.Name));
        Assert.Contains("conv.weight", report.LoadedKeys);
        Assert.Contains("missing key: fc.weight", report.ToString());
        var after = Snapshot(model);
        Assert.Equal(flawed["conv.weight"].ToArrayFloat64(), after["conv.weight"]);
        Assert.Equal(flawed["bn.running_var"].ToArrayFloat64(), after["bn.running_var"]);
        Assert.Equal([2.0], after["bn.num_batches_tracked"]);                 // loaded: the source ran 2 batches
        foreach (string kept in new[] { "fc.weight", "head.weight", "head.bias", "bn1.num_batches_tracked" })
        {
            Assert.Equal(before[kept], after[kept]);
        }
    }

    [Fact]
    public void Load_CorruptFile_ThrowsFormatErrorAndChangesNothing()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("cut.safetensors");
        var source = ModelCheckpointTests.TrainedNormNet(seed: 1);
        source.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);
        var model = ModelCheckpointTests.TrainedNormNet(seed: 2);
        var before = Snapshot(model);

        var error = Assert.Throws<SafeTensorsFormatException>(() => model.Load(path));

        Assert.Contains("past the end of the data buffer", error.Message);
        Assert.Equal(before, Snapshot(model));
    }

    [Fact]
    public void Load_ReportOfExactMatch_SaysSo()
    {
        var model = ModelCheckpointTests.TrainedNormNet(seed: 1);
        LoadReport report = model.LoadStateDict(ModelCheckpointTests.TrainedNormNet(seed: 2).StateDict());
        Assert.True(report.IsExactMatch);
        Assert.Equal(0, report.ProblemCount);
        Assert.Equal("state dict: all 14 keys matched the model.", report.ToString());
    }
}
