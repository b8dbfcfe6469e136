using ModelGen;
using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// Every layout and resampling op in Forward on odd sizes: upsampling (nearest by default, bilinear by a flag),
/// Concat, Slice, Permute, Transpose, AdaptiveAvgPool2d, GlobalAvgPool and a traced Reshape.
/// </summary>
[Model]
public sealed partial class LayoutNet
{
    readonly Conv2d conv = new(2, 3, 3, padding: 1);
    readonly AdaptiveAvgPool2d adaptive = new(3);
    readonly Linear head = new(3 * 3 * 6 + 6, 3);

    public Tensor Forward([Shape("B", 2, 5, 4)] Tensor x)
    {
        var h = Tanh(conv.Forward(x));                  // [B, 3, 5, 4]
        var near = Upsample(h, 2);                      // [B, 3, 10, 8]
        var smooth = Upsample(h, 2, bilinear: true);    // [B, 3, 10, 8]
        var c = Concat(near, smooth, 1);                // [B, 6, 10, 8]
        c = Slice(c, 2, 1, 7);                          // [B, 6, 7, 8]
        c = Permute(c, 0, 2, 3, 1);                     // [B, 7, 8, 6]
        c = Transpose(c, 1, 3);                         // [B, 6, 8, 7]
        var pooled = Reshape(adaptive.Forward(c), -1, 54);  // [B, 54]
        var features = Concat(pooled, GlobalAvgPool(c), -1); // [B, 60]
        return head.Forward(features);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>Sequence-style layout on a flat input: Reshape to [B, 3, 5], Transpose, bilinear Upsample after a Reshape to images, and a regression loss on a Slice.</summary>
[Model]
public sealed partial class ReshapeMlp
{
    readonly Linear fc = new(5, 4);
    readonly Linear head = new(2 * 3 * 4, 4);

    public Tensor Forward([Shape("B", 15)] Tensor x)
    {
        var h = Transpose(Reshape(x, -1, 3, 5), 1, 2);  // [B, 5, 3]
        h = Tanh(fc.Forward(Transpose(h, -1, -2)));     // [B, 3, 4]
        var images = Upsample(Reshape(h, -1, 1, 3, 4), 3, true); // [B, 1, 9, 12]
        var crop = Slice(Slice(images, 2, 2, 3), 3, 4, 4);      // [B, 1, 3, 4]
        return head.Forward(Reshape(Concat(crop, Reshape(h, -1, 1, 3, 4), 1), -1, 24));
    }

    [Loss]
    public Tensor Loss(Tensor prediction, [Shape("B", 4)] Tensor target) => MseLoss(Slice(prediction, 1, 0, 4), target);
}

public class LayoutModelTests
{
    private static readonly CompileOptions Options = new() { MaxBatch = 32 };

    public static readonly ModelCase[] Cases =
    {
        new("LayoutNet", [2, 5, 4], 3, 3, seed =>
        {
            var m = new LayoutNet();
            m.Initialize(seed);
            var c = m.Compile(Options);
            return new ModelInstance(m, m.Forward, (x, y) => m.Loss(m.Forward(x), y), c.Forward, c.ComputeGradients);
        }),
        new("ReshapeMlp", [15], 0, 4, seed =>
        {
            var m = new ReshapeMlp();
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
    public void Graph_LayoutNet_KeepsTheBatchLeadingInEveryShape()
    {
        string graph = LayoutNet.Graph.ToString();
        Assert.Contains("upsample", graph);
        Assert.Contains("permute", graph);
        Assert.Contains("adaptive_avg_pool2d", graph);
        Assert.Contains("concat", graph);
        Assert.Contains("slice", graph);
    }
}
