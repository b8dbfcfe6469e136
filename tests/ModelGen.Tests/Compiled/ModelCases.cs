using ModelGen.Tests.Models;
using Samples.LeNet;
using Samples.Mnist;

namespace ModelGen.Tests.Compiled;

/// <summary>One generated model seen uniformly: eager and compiled entry points over shared parameters.</summary>
public sealed record ModelInstance(
    IModel Model,
    Func<Tensor, Tensor> EagerForward,
    Func<Tensor, Tensor, Tensor> EagerLoss,
    Func<Tensor, Tensor> CompiledForward,
    Func<Tensor, Tensor, float> CompiledGradients);

/// <summary>The test models, each with the shape of one input sample and the kind of targets its loss takes.</summary>
public sealed record ModelCase(string Name, int[] Sample, int Classes, int Outputs, Func<int, ModelInstance> Create)
{
    public override string ToString() => Name;

    /// <summary>A random batch of inputs, [batch, ...Sample].</summary>
    public Tensor Input(int batch, int seed) => ModelHarness.RandomInput(batch, Sample, seed);

    public Tensor Targets(int batch, int seed)
    {
        if (Classes > 0) return ModelHarness.RandomLabels(batch, Classes, seed);
        return ModelHarness.RandomInput(batch, Outputs, seed);
    }

    public static readonly ModelCase[] All =
    {
        new("MnistMlp", [784], 10, 10, seed => Of(Seeded(new MnistMlp(), seed))),
        new("TinyMlp", [13], 5, 5, seed => Of(Seeded(new TinyMlp(), seed))),
        new("Regressor", [8], 0, 4, seed => Of(Seeded(new Regressor(), seed))),
        new("SharedLayer", [6], 3, 3, seed => Of(Seeded(new SharedLayer(), seed))),
        new("SmallConvNet", [2, 9, 7], 3, 3, seed => Of(Seeded(new SmallConvNet(), seed))),
        new("LeNet5", [1, 28, 28], 10, 10, seed => Of(Seeded(new LeNet5(), seed))),
    };

    public static ModelCase Named(string name) => All.Single(c => c.Name == name);

    private static T Seeded<T>(T model, int seed) where T : IModel
    {
        model.Initialize(seed);
        return model;
    }

    private static readonly CompileOptions Options = new() { MaxBatch = 32 };

    private static ModelInstance Of(MnistMlp m)
    {
        var c = m.Compile(Options);
        return new(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    }

    private static ModelInstance Of(TinyMlp m)
    {
        var c = m.Compile(Options);
        return new(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    }

    private static ModelInstance Of(Regressor m)
    {
        var c = m.Compile(Options);
        return new(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    }

    private static ModelInstance Of(SmallConvNet m)
    {
        var c = m.Compile(Options);
        return new(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    }

    private static ModelInstance Of(LeNet5 m)
    {
        var c = m.Compile(Options);
        return new(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    }

    private static ModelInstance Of(SharedLayer m)
    {
        var c = m.Compile(Options);
        return new(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
    }
}
