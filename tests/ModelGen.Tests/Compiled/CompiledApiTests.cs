using ModelGen.Optim;
using ModelGen.Tests.Models;
using Samples.Mnist;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>The members the generator adds to a model, as a user meets them.</summary>
public class CompiledApiTests
{
    [Fact]
    public void Parameters_NamedAsPyTorchNamesThem()
    {
        var names = new MnistMlp().Parameters().Select(p => (p.Name, string.Join("x", p.Value.Shape)));
        Assert.Equal(new[] { ("fc1.weight", "256x784"), ("fc1.bias", "256"), ("fc2.weight", "128x256"), ("fc2.bias", "128"), ("head.weight", "10x128"), ("head.bias", "10") }, names);
        Assert.DoesNotContain(new Regressor().Parameters(), p => p.Name == "hidden.bias");
    }

    [Fact]
    public void Initialize_SameSeed_SameWeights_PyTorchDefaultRange()
    {
        MnistMlp a = new(), b = new(), c = new();
        a.Initialize(42); b.Initialize(42); c.Initialize(43);
        Assert.Equal(a.Parameters()[0].Value.ToArray(), b.Parameters()[0].Value.ToArray());
        Assert.NotEqual(a.Parameters()[0].Value.ToArray(), c.Parameters()[0].Value.ToArray());
        float bound = 1f / MathF.Sqrt(784);
        Assert.All(a.Parameters()[0].Value.ToArray(), w => Assert.InRange(w, -bound, bound));
        Assert.True(a.Parameters()[0].Value.ToArray().Max() > bound * 0.99f);
    }

    [Fact]
    public void Graph_PrintsShapesWithSymbolicBatch_AndDot()
    {
        string text = MnistMlp.Graph.ToString();
        Assert.Contains("graph MnistMlp (batch B)", text);
        Assert.Contains("%0 = input x : [B, 784]", text);
        Assert.Contains("cross_entropy", text);
        Assert.StartsWith("digraph MnistMlp {", MnistMlp.Graph.ToDot());
    }

    [Fact]
    public void Forward_WrongShapeOrBatch_ThrowsNamingTheProblem()
    {
        var model = new MnistMlp();
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 8 });
        var wrongWidth = Assert.Throws<ArgumentException>(() => compiled.Forward(Tensor.Zeros(2, 783)));
        Assert.Contains("[B, 784]", wrongWidth.Message);
        var tooLarge = Assert.Throws<ArgumentOutOfRangeException>(() => compiled.Forward(Tensor.Zeros(9, 784)));
        Assert.Contains("MaxBatch (8)", tooLarge.Message);
        Assert.Throws<ArgumentException>(() => compiled.ComputeGradients(Tensor.Zeros(4, 784), Tensor.Zeros(4)));
        Assert.Throws<ArgumentException>(() => compiled.ComputeGradients(Tensor.Zeros(4, 784), Tensor.FromArray(new int[3], 3)));
    }

    [Fact]
    public void Compiled_SharesParametersWithEager_TrainStepChangesWhatEagerSees()
    {
        var model = new TinyMlp();
        model.Initialize(1);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 16 });
        Tensor x = ModelHarness.RandomInput(16, 13, 1);
        Tensor y = ModelHarness.RandomLabels(16, 5, 2);
        float[] before = model.Forward(x).ToArray();
        var sgd = new Sgd(model.Parameters(), lr: 0.5f);
        float first = compiled.TrainStep(x, y, sgd);
        float[] after = model.Forward(x).ToArray();
        Assert.NotEqual(before, after);
        Assert.Equal(compiled.Forward(x).ToArray(), after, new ToleranceComparer(1e-5f));
        for (int i = 0; i < 30; i++) compiled.TrainStep(x, y, sgd);
        Assert.True(compiled.ComputeGradients(x, y) < first * 0.5f, "thirty SGD steps on one batch should at least halve its loss");
    }

    [Fact]
    public void Dispose_LaterCallsThrow()
    {
        var model = new TinyMlp();
        var compiled = model.Compile();
        compiled.Dispose();
        Assert.Throws<ObjectDisposedException>(() => compiled.Forward(Tensor.Zeros(1, 13)));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(b));
        public int GetHashCode(float value) => 0;
    }
}
