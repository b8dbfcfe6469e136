using ModelGen.Tests.Models;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// Models built from [Module] blocks, layer lists, helpers, several inputs and tuple outputs: PyTorch's parameter
/// names, compiled against eager (outputs and every gradient), and compiled gradients against float64 finite
/// differences of the eager loss.
/// </summary>
public class CompositionTests
{
    /// <summary>One composed model seen uniformly: its inputs and targets, and eager and compiled loss and gradients.</summary>
    public sealed record Case(
        string Name,
        Func<int, IModel> Create,
        Func<int, int, Tensor[]> Inputs,
        Func<IModel, Tensor[], Tensor> EagerLoss,
        Func<IModel, Tensor[], Tensor[]> EagerOutputs,
        Func<IModel, Func<Tensor[], float>> CompiledGradients,
        Func<IModel, Func<Tensor[], Tensor[]>> CompiledForward)
    {
        public override string ToString() => Name;
    }

    private static readonly CompileOptions Options = new() { MaxBatch = 8 };

    private static T Seeded<T>(T model, int seed) where T : IModel
    {
        model.Initialize(seed);
        return model;
    }

    private static Tensor[] Data(int batch, int seed, params object[] parts)
        => parts.Select((p, i) => p is int classes
            ? ModelHarness.RandomLabels(batch, classes, seed + i)
            : ModelHarness.RandomInput(batch, (int[])p, seed + i)).ToArray();

    public static readonly Case[] Cases =
    {
        new("BlockResNet", s => Seeded(new BlockResNet(), s), (b, s) => Data(b, s, new[] { 1, 6, 6 }, 3),
            (m, d) => ((BlockResNet)m).Loss(((BlockResNet)m).Forward(d[0]), d[1]),
            (m, d) => [((BlockResNet)m).Forward(d[0])],
            m => { var c = ((BlockResNet)m).Compile(Options); return d => c.ComputeGradients(d[0], d[1]); },
            m => { var c = ((BlockResNet)m).Compile(Options); return d => [c.Forward(d[0])]; }),
        new("TwoInputNet", s => Seeded(new TwoInputNet(), s), (b, s) => Data(b, s, new[] { 1, 6, 6 }, new[] { 3 }, 4),
            (m, d) => ((TwoInputNet)m).Loss(((TwoInputNet)m).Forward(d[0], d[1]), d[2]),
            (m, d) => { var (a, e) = ((TwoInputNet)m).Forward(d[0], d[1]); return [a, e]; },
            m => { var c = ((TwoInputNet)m).Compile(Options); return d => c.ComputeGradients(d[0], d[1], d[2]); },
            m => { var c = ((TwoInputNet)m).Compile(Options); return d => { var (a, e) = c.Forward(d[0], d[1]); return [a, e]; }; }),
        new("TinyVae", s => Seeded(new TinyVae(), s), (b, s) => Data(b, s, new[] { 12 }, new[] { 2 }, new[] { 12 }),
            (m, d) => ((TinyVae)m).Loss(((TinyVae)m).Forward(d[0], d[1]), d[2]),
            (m, d) => { var (r, mu, lv) = ((TinyVae)m).Forward(d[0], d[1]); return [r, mu, lv]; },
            m => { var c = ((TinyVae)m).Compile(Options); return d => c.ComputeGradients(d[0], d[1], d[2]); },
            m => { var c = ((TinyVae)m).Compile(Options); return d => { var (r, mu, lv) = c.Forward(d[0], d[1]); return [r, mu, lv]; }; }),
        new("TiedNet", s => Seeded(new TiedNet(), s), (b, s) => Data(b, s, new[] { 5 }, 3),
            (m, d) => ((TiedNet)m).Loss(((TiedNet)m).Forward(d[0]), d[1]),
            (m, d) => [((TiedNet)m).Forward(d[0])],
            m => { var c = ((TiedNet)m).Compile(Options); return d => c.ComputeGradients(d[0], d[1]); },
            m => { var c = ((TiedNet)m).Compile(Options); return d => [c.Forward(d[0])]; }),
        new("NestedNet", s => Seeded(new NestedNet(), s), (b, s) => Data(b, s, new[] { 4 }, 2),
            (m, d) => ((NestedNet)m).Loss(((NestedNet)m).Forward(d[0]), d[1]),
            (m, d) => [((NestedNet)m).Forward(d[0])],
            m => { var c = ((NestedNet)m).Compile(Options); return d => c.ComputeGradients(d[0], d[1]); },
            m => { var c = ((NestedNet)m).Compile(Options); return d => [c.Forward(d[0])]; }),
    };

    public static TheoryData<string> Names => new(Cases.Select(c => c.Name));

    private static Case Named(string name) => Cases.Single(c => c.Name == name);

    [Fact]
    public void TinyResNet_ParameterNames_FollowPyTorchStateDict()
    {
        var names = new BlockResNet().Parameters().Select(p => p.Name).ToArray();
        Assert.Equal(
        [
            "stem.weight", "stem.bias",
            "blocks.0.conv1.weight", "blocks.0.conv2.weight", "blocks.0.bn1.weight", "blocks.0.bn1.bias", "blocks.0.bn2.weight", "blocks.0.bn2.bias",
            "blocks.1.conv1.weight", "blocks.1.conv2.weight", "blocks.1.bn1.weight", "blocks.1.bn1.bias", "blocks.1.bn2.weight", "blocks.1.bn2.bias", "blocks.1.shortcut.weight",
            "blocks.2.conv1.weight", "blocks.2.conv2.weight", "blocks.2.bn1.weight", "blocks.2.bn1.bias", "blocks.2.bn2.weight", "blocks.2.bn2.bias",
            "blocks.3.conv1.weight", "blocks.3.conv2.weight", "blocks.3.bn1.weight", "blocks.3.bn1.bias", "blocks.3.bn2.weight", "blocks.3.bn2.bias",
            "head.weight", "head.bias",
        ], names);
        Assert.Equal("blocks.1.shortcut", new BlockResNet().Layers()[9].Name);
    }

    [Fact]
    public void NestedNet_ParameterNames_PathThroughEveryBlock()
        => Assert.Equal(["outer.middle.inner.fc.weight", "outer.middle.inner.fc.bias", "outer.middle.mix.0.weight", "outer.middle.mix.0.bias",
                         "outer.middle.mix.1.weight", "head.weight", "head.bias"],
            new NestedNet().Parameters().Select(p => p.Name).ToArray());

    [Fact]
    public void Module_GeneratedMembers_ListItsOwnParametersAndInitializeDeterministically()
    {
        var block = new ResBlock(4, 6, 2);
        Assert.Equal(["conv1.weight", "conv2.weight", "bn1.weight", "bn1.bias", "bn2.weight", "bn2.bias", "shortcut.weight"],
            block.Parameters().Select(p => p.Name).ToArray());
        block.Initialize(3);
        float[] first = block.Parameters()[0].Value.ToArray();
        block.Initialize(3);
        Assert.Equal(first, block.Parameters()[0].Value.ToArray());
        Assert.Equal(5, block.Layers().Count);
    }

    [Fact]
    public void TiedNet_SharedBlock_HasOneSetOfWeightsTracedTwice()
    {
        Assert.Equal(["input.weight", "input.bias", "shared.fc.weight", "shared.fc.bias", "output.weight", "output.bias"],
            new TiedNet().Parameters().Select(p => p.Name).ToArray());
        Assert.Equal(2, TiedNet.Graph.ToString().Split('\n').Count(l => l.Contains("matmul") && l.Contains("@shared.fc")));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Compiled_MatchesEager_OutputsAndEveryGradient(string name)
    {
        Case test = Named(name);
        IModel model = test.Create(7);
        Tensor[] data = test.Inputs(5, 11);
        model.Train();
        Tensor[] eagerOutputs = test.EagerOutputs(model, data[..^1]).Select(t => Tensor.FromArray(t.ToArray(), t.Shape)).ToArray();
        model.ZeroGrad();
        test.EagerLoss(model, data).Backward();
        var eagerGradients = model.Parameters().Select(p => p.Grad.ToArray()).ToArray();

        float loss = test.CompiledGradients(model)(data);
        Assert.True(float.IsFinite(loss));
        for (int p = 0; p < eagerGradients.Length; p++)
        {
            Parameter parameter = model.Parameters()[p];
            double scale = Math.Max(ModelHarness.MaxAbs(eagerGradients[p]), 1e-6);
            double error = ModelHarness.MaxRelativeError(parameter.Grad.ToArray(), eagerGradients[p], 1e-3 * scale);
            Assert.True(error < 1e-3, $"{name} {parameter.Name}: gradient relative error {error:E2}");
        }

        // Compiled Forward is inference (batch norm on running statistics): compare with eager in eval mode.
        model.Eval();
        Tensor[] eval = test.EagerOutputs(model, data[..^1]);
        Tensor[] compiled = test.CompiledForward(model)(data[..^1]);
        Assert.Equal(eval.Length, compiled.Length);
        for (int o = 0; o < eval.Length; o++)
        {
            Assert.Equal(eval[o].Shape, compiled[o].Shape);
            double error = ModelHarness.MaxRelativeError(compiled[o].ToArray(), eval[o].ToArray(), 1e-3);
            Assert.True(error < 1e-4, $"{name} output {o}: relative error {error:E2}");
        }
        Assert.NotEmpty(eagerOutputs);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void CompiledGradients_MatchFloat64FiniteDifferences(string name)
    {
        Case test = Named(name);
        IModel compiled = test.Create(21), reference = test.Create(21);
        reference.CastInPlace(DType.Float64);
        reference.Train();
        Tensor[] data = test.Inputs(6, 9);
        Tensor[] wide = data.Select(t => t.DType == DType.Int32 ? t : Tensor.FromArray(t.ToArray().Select(v => (double)v).ToArray(), t.Shape)).ToArray();
        test.CompiledGradients(compiled)(data);

        var rng = new Random(5);
        IReadOnlyList<Parameter> parameters = compiled.Parameters(), references = reference.Parameters();
        for (int p = 0; p < parameters.Count; p++)
        {
            float[] gradient = parameters[p].Grad.ToArray();
            int[] elements = Enumerable.Range(0, Math.Min(6, gradient.Length)).Select(_ => rng.Next(gradient.Length)).ToArray();
            var fd = new double[elements.Length];
            var actual = new float[elements.Length];
            for (int i = 0; i < elements.Length; i++)
            {
                Span<double> values = references[p].Value.AsSpanFloat64();
                double original = values[elements[i]];
                values[elements[i]] = original + 1e-6;
                double plus = test.EagerLoss(reference, wide).ItemFloat64();
                values = references[p].Value.AsSpanFloat64();
                values[elements[i]] = original - 1e-6;
                double minus = test.EagerLoss(reference, wide).ItemFloat64();
                references[p].Value.AsSpanFloat64()[elements[i]] = original;
                fd[i] = (plus - minus) / 2e-6;
                actual[i] = gradient[elements[i]];
            }
            double scale = fd.Max(Math.Abs);
            if (scale < 1e-9) continue;
            double error = ModelHarness.MaxRelativeError(actual, fd, 1e-2 * scale);
            Assert.True(error <= 2e-3, $"{name} {parameters[p].Name}: max relative error {error:E2}");
        }
    }

    [Fact]
    public void TrainStep_ComposedModel_TakesEveryInputAndTarget()
    {
        var model = Seeded(new TwoInputNet(), 1);
        using var compiled = model.Compile(Options);
        var adam = new ModelGen.Optim.Adam(model.Parameters(), lr: 1e-2);
        Tensor[] d = Data(8, 3, new[] { 1, 6, 6 }, new[] { 3 }, 4);
        float first = compiled.TrainStep(d[0], d[1], d[2], adam);
        float last = first;
        for (int i = 0; i < 30; i++) last = compiled.TrainStep(d[0], d[1], d[2], adam);
        Assert.True(last < 0.5f * first, $"loss {first} -> {last}");
    }

    [Fact]
    public void CompiledForward_InputsOfDifferentBatches_NamesTheInput()
    {
        var model = Seeded(new TwoInputNet(), 1);
        using var compiled = model.Compile(Options);
        var error = Assert.Throws<ArgumentException>(() => compiled.Forward(ModelHarness.RandomInput(4, [1, 6, 6], 1), ModelHarness.RandomInput(3, [3], 2)));
        Assert.Contains("'extra' has batch 3", error.Message);
    }
}
