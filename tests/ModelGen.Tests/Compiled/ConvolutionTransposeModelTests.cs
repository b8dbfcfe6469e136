using ModelGen;
using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// A small U-Net on odd sizes: a strided Conv2d down, a strided ConvTranspose2d back up to the input's size, a
/// pointwise ConvTranspose2d, a skip connection by Concat, then a grouped, dilated ConvTranspose2d with output
/// padding and no bias (output padding at least the stride, allowed below the dilation).
/// </summary>
[Model]
public sealed partial class TinyUNet
{
    readonly Conv2d stem = new(2, 4, 3, padding: 1);
    readonly Conv2d down = new(4, 6, 3, stride: 2, padding: 1);
    readonly ConvTranspose2d up = new(6, 4, 3, stride: 2, padding: 1);
    readonly ConvTranspose2d mix = new(4, 4, 1);
    readonly ConvTranspose2d refine = new(8, 2, 2, outputPadding: 1, groups: 2, bias: false, dilation: 2);
    readonly Linear head = new(2 * 12 * 10, 3);

    public Tensor Forward([Shape("B", 2, 9, 7)] Tensor x)
    {
        var skip = Tanh(stem.Forward(x));               // [B, 4, 9, 7]
        var h = Relu(down.Forward(skip));               // [B, 6, 5, 4]
        h = Tanh(mix.Forward(Tanh(up.Forward(h))));     // [B, 4, 9, 7]: (5 − 1)·2 − 2 + 2 + 1 = 9, (4 − 1)·2 − 2 + 2 + 1 = 7
        h = Tanh(refine.Forward(Concat(skip, h, 1)));   // [B, 2, 12, 10]: 8 + 2 + 1 + 1 = 12, 6 + 2 + 1 + 1 = 10
        return head.Forward(Flatten(h));
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>A decoder on a flat code: Reshape to a 1×2×2 image, then two stride-2 ConvTranspose2d (with output padding) and a regression loss.</summary>
[Model]
public sealed partial class TinyDecoder
{
    readonly Linear project = new(5, 3 * 2 * 2);
    readonly ConvTranspose2d up1 = new(3, 4, 3, stride: 2, padding: 1, outputPadding: 1);
    readonly ConvTranspose2d up2 = new(4, 1, 2, stride: 2);

    public Tensor Forward([Shape("B", 5)] Tensor x)
    {
        var h = Reshape(Tanh(project.Forward(x)), -1, 3, 2, 2); // [B, 3, 2, 2]
        h = Tanh(up1.Forward(h));                                // [B, 4, 4, 4]
        return Flatten(up2.Forward(h));                          // [B, 1, 8, 8] -> [B, 64]
    }

    [Loss]
    public Tensor Loss(Tensor prediction, [Shape("B", 64)] Tensor target) => MseLoss(prediction, target);
}

public class ConvolutionTransposeModelTests
{
    private static readonly CompileOptions Options = new() { MaxBatch = 32 };

    public static readonly ModelCase[] Cases =
    {
        new("TinyUNet", [2, 9, 7], 3, 3, seed =>
        {
            var m = new TinyUNet();
            m.Initialize(seed);
            var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
        new("TinyDecoder", [5], 0, 64, seed =>
        {
            var m = new TinyDecoder();
            m.Initialize(seed);
            var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
    };

    public static TheoryData<string> Names => new(Cases.Select(c => c.Name));

    private static ModelCase Named(string name) => Cases.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_RandomBatches_MatchesEager(string name) => ModelAssertions.ForwardMatchesEager(Named(name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradients_RandomBatch_MatchEagerBackward(string name) => ModelAssertions.GradientsMatchEager(Named(name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradients_Float32_MatchFloat64FiniteDifferences(string name) => ModelAssertions.GradientsMatchFiniteDifferences(Named(name));

    [Fact]
    public void Graph_TinyUNet_CarriesEachGeometryAndOutputShape()
    {
        // The printed graph is the forward; the gradient nodes are proven by the gradient checks above.
        string graph = TinyUNet.Graph.ToString();
        Assert.Contains("conv_transpose2d %8, %9, %10 (6,5,4,4,3,3,2,2,1,1,0,0,1,1,1) : [B, 4, 9, 7]  @up", graph);
        Assert.Contains("(4,9,7,4,1,1,1,1,0,0,0,0,1,1,1) : [B, 4, 9, 7]  @mix", graph);
        Assert.Contains("(8,9,7,2,2,2,1,1,0,0,1,1,2,2,2) : [B, 2, 12, 10]  @refine", graph);
    }

    [Fact]
    public void Parameters_TinyUNet_NamedAndShapedAsPyTorch()
    {
        var m = new TinyUNet();
        var shapes = m.Parameters().ToDictionary(p => p.Name, p => p.Value.Shape);
        Assert.Equal(new[] { 6, 4, 3, 3 }, shapes["up.weight"]);
        Assert.Equal(new[] { 4 }, shapes["up.bias"]);
        Assert.Equal(new[] { 8, 1, 2, 2 }, shapes["refine.weight"]);
        Assert.False(shapes.ContainsKey("refine.bias"));
    }
}
