using ModelGen.Optim;
using ModelGen.Tests.Compiled;
using ModelGen.Tests.Data;
using Samples.Mnist;
using Xunit;

namespace ModelGen.Tests.Checkpoints;

/// <summary>StateDict, Save and Load on generated models: what the state holds, round trips, and compiled models seeing loads.</summary>
public class ModelCheckpointTests
{
    private static readonly int[] NormInput = [2, 5, 5];

    /// <summary>A NormNet whose batch norms have run <paramref name="trainingBatches"/> training batches (moved statistics and counters).</summary>
    internal static NormNet TrainedNormNet(int seed, int trainingBatches = 2)
    {
        var model = new NormNet();
        model.Initialize(seed);
        model.Train();
        for (int i = 0; i < trainingBatches; i++) model.Forward(ModelHarness.RandomInput(8, NormInput, 100 + i));
        return model;
    }

    internal static float[] EvalOutput(IModel model, Func<Tensor, Tensor> forward, Tensor x)
    {
        model.Eval();
        float[] y = forward(x).ToArray();
        model.Train();
        return y;
    }

    [Fact]
    public void StateDict_BatchNormModel_ListsEveryKeyInPyTorchOrder()
    {
        var model = TrainedNormNet(seed: 1);
        var state = model.StateDict();

        Assert.Equal(
        [
            "conv.weight",
            "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
            "fc.weight",
            "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
            "head.weight", "head.bias",
        ], state.Keys);
        Tensor counter = state["bn.num_batches_tracked"];
        Assert.Equal(DType.Int64, counter.DType);
        Assert.Equal(0, counter.Rank);
        Assert.Equal(2L, counter.AsReadOnlySpanInt64()[0]);
        // The values are the model's own tensors, as PyTorch's state_dict() returns them.
        foreach (var parameter in model.Parameters()) Assert.Same(parameter.Value, state[parameter.Name]);
        var bn = (BatchNorm2d)model.Layers().Single(l => l.Name == "bn").Layer;
        Assert.Same(bn.RunningMean, state["bn.running_mean"]);
    }

    [Fact]
    public void SaveLoad_BatchNormModel_FreshModelWithOtherSeedGivesIdenticalOutputs()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("norm.safetensors");
        var saved = TrainedNormNet(seed: 1);
        saved.Save(path);

        var loaded = new NormNet();
        loaded.Initialize(seed: 2);
        Tensor x = ModelHarness.RandomInput(6, NormInput, 7);
        Assert.NotEqual(EvalOutput(saved, saved.Forward, x), EvalOutput(loaded, loaded.Forward, x));
        LoadReport report = loaded.Load(path);

        Assert.True(report.IsExactMatch, report.ToString());
        Assert.Equal(saved.StateDict().Keys, report.LoadedKeys);
        Assert.Equal(EvalOutput(saved, saved.Forward, x), EvalOutput(loaded, loaded.Forward, x));
        Assert.Equal(2L, ((BatchNorm)loaded.Layers().Single(l => l.Name == "bn1").Layer).NumBatchesTracked);
        using var compiledSaved = saved.Compile(new CompileOptions { MaxBatch = 8 });
        using var compiledLoaded = loaded.Compile(new CompileOptions { MaxBatch = 8 });
        Assert.Equal(compiledSaved.Forward(x).ToArray(), compiledLoaded.Forward(x).ToArray());
        Assert.Equal("pt", SafeTensors.Read(path).Metadata["format"]);
    }

    [Fact]
    public void Load_IntoCompiledModelThatAlreadyRan_NextForwardUsesTheNewWeights()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("mlp.safetensors");
        var source = new MnistMlp();
        source.Initialize(seed: 11);
        source.Save(path);
        Tensor x = ModelHarness.RandomInput(16, 784, 3);
        using var reference = source.Compile(new CompileOptions { MaxBatch = 16 });
        float[] expected = reference.Forward(x).ToArray();

        var target = new MnistMlp();
        target.Initialize(seed: 12);
        using var compiled = target.Compile(new CompileOptions { MaxBatch = 16, PrepackWeights = true });
        Assert.NotEqual(expected, compiled.Forward(x).ToArray()); // packs the old weights
        target.Load(path);

        Assert.Equal(expected, compiled.Forward(x).ToArray());
    }

    [Fact]
    public void Load_CompiledBatchNormModelAfterTraining_ForwardMatchesSavedModel()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("norm.safetensors");
        var saved = TrainedNormNet(seed: 3);
        saved.Save(path);
        Tensor x = ModelHarness.RandomInput(8, NormInput, 9);
        using var compiledSaved = saved.Compile(new CompileOptions { MaxBatch = 8 });

        var target = TrainedNormNet(seed: 4, trainingBatches: 1);
        using var compiled = target.Compile(new CompileOptions { MaxBatch = 8 });
        compiled.TrainStep(x, ModelHarness.RandomLabels(8, 3, 1), new Sgd(target.Parameters(), lr: 0.1));
        compiled.Forward(x);
        target.Load(path);

        Assert.Equal(compiledSaved.Forward(x).ToArray(), compiled.Forward(x).ToArray());
    }

    [Fact]
    public void Load_BF16File_LoadsRoundedValuesIntoFloat32Model()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("half.safetensors");
        var saved = TrainedNormNet(seed: 5);
        saved.Save(path, options: new SafeTensorsWriteOptions { FloatDType = SafeTensorsDType.BF16 });
        Assert.Equal(SafeTensorsDType.BF16, SafeTensors.Read(path)["conv.weight"].StoredDType);
        Assert.Equal(SafeTensorsDType.I64, SafeTensors.Read(path)["bn.num_batches_tracked"].StoredDType);

        var loaded = TrainedNormNet(seed: 6);
        loaded.Load(path);

        float[] original = saved.StateDict()["conv.weight"].ToArray();
        float[] rounded = [.. original.Select(v => BFloat16.ToSingle(BFloat16.FromSingle(v)))];
        Assert.Equal(rounded, loaded.StateDict()["conv.weight"].ToArray());
        Assert.NotEqual(original, rounded);
        Assert.Equal(DType.Float32, loaded.StateDict()["conv.weight"].DType);
    }

    [Fact]
    public void Load_Float32FileIntoFloat64Model_ConvertsExactly()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("f32.safetensors");
        var saved = TrainedNormNet(seed: 7);
        saved.Save(path);

        var wide = TrainedNormNet(seed: 8);
        wide.CastInPlace(DType.Float64);
        wide.Load(path);

        foreach (var (name, value) in saved.StateDict())
        {
            Tensor target = wide.StateDict()[name];
            if (value.DType == DType.Int64) Assert.Equal(value.ToArrayInt64(), target.ToArrayInt64());
            else
            {
                Assert.Equal(DType.Float64, target.DType);
                Assert.Equal(value.ToArrayFloat64(), target.ToArrayFloat64());
            }
        }
    }

    [Fact]
    public void Load_Float64FileIntoFloat32Model_RoundsToFloat32()
    {
        var wide = TrainedNormNet(seed: 9);
        wide.CastInPlace(DType.Float64);
        var state = wide.StateDict();
        state["head.bias"].AsSpanFloat64()[0] = 0.1;

        var narrow = TrainedNormNet(seed: 10);
        narrow.LoadStateDict(state);

        Assert.Equal(0.1f, narrow.StateDict()["head.bias"].ToArray()[0]);
    }

    [Fact]
    public void Load_FileWithoutNumBatchesTracked_KeepsTheCounterAndReportsNothingMissing()
    {
        var source = TrainedNormNet(seed: 1, trainingBatches: 5);
        var state = source.StateDict();
        state.Remove("bn.num_batches_tracked");
        var target = TrainedNormNet(seed: 2, trainingBatches: 3);

        LoadReport report = target.LoadStateDict(state);

        Assert.True(report.IsExactMatch, report.ToString());
        Assert.Equal(3L, ((BatchNorm)target.Layers().Single(l => l.Name == "bn").Layer).NumBatchesTracked);
        Assert.Equal(5L, ((BatchNorm)target.Layers().Single(l => l.Name == "bn1").Layer).NumBatchesTracked);
    }

    [Fact]
    public void StateDict_AfterCompiledTrainSteps_CountsThemInNumBatchesTracked()
    {
        var model = new NormNet();
        model.Initialize(seed: 1);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 8 });
        var sgd = new Sgd(model.Parameters(), lr: 0.01);
        for (int step = 0; step < 3; step++)
        {
            compiled.TrainStep(ModelHarness.RandomInput(8, NormInput, step), ModelHarness.RandomLabels(8, 3, step), sgd);
        }
        compiled.Forward(ModelHarness.RandomInput(8, NormInput, 9)); // evaluation: not counted

        var state = model.StateDict();
        Assert.Equal([3L], state["bn.num_batches_tracked"].ToArrayInt64());
        Assert.Equal([3L], state["bn1.num_batches_tracked"].ToArrayInt64());
    }

    [Fact]
    public void Save_OverExistingCheckpoint_ReplacesItAndLeavesNoTemporaryFile()
    {
        using var folder = new TemporaryFolder();
        string path = folder.Combine("model.safetensors");
        TrainedNormNet(seed: 1).Save(path);
        var second = TrainedNormNet(seed: 2);
        second.Save(path);

        var check = TrainedNormNet(seed: 3);
        check.Load(path);
        Assert.Equal(second.StateDict()["conv.weight"].ToArray(), check.StateDict()["conv.weight"].ToArray());
        Assert.Equal(["model.safetensors"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
    }
}
