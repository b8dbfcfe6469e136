using ModelGen.Data;
using ModelGen.Optim;
using Xunit;
using Xunit.Abstractions;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

/// <summary>A small ResNet: a stem, two residual blocks (the second after a strided down-sampling), global average pooling.</summary>
[Model]
public sealed partial class TinyResNet
{
    readonly Conv2d stem = new(1, 8, 3, padding: 1, bias: false);
    readonly BatchNorm2d stemNorm = new(8);
    readonly MaxPool2d pool = new(2);
    readonly Conv2d block1a = new(8, 8, 3, padding: 1, bias: false);
    readonly BatchNorm2d block1aNorm = new(8);
    readonly Conv2d block1b = new(8, 8, 3, padding: 1, bias: false);
    readonly BatchNorm2d block1bNorm = new(8);
    readonly Conv2d down = new(8, 16, 3, stride: 2, padding: 1, bias: false);
    readonly BatchNorm2d downNorm = new(16);
    readonly Conv2d block2a = new(16, 16, 3, padding: 1, bias: false);
    readonly BatchNorm2d block2aNorm = new(16);
    readonly Conv2d block2b = new(16, 16, 3, padding: 1, bias: false);
    readonly BatchNorm2d block2bNorm = new(16);
    readonly Linear head = new(16, 10);

    public Tensor Forward([Shape("B", 1, 28, 28)] Tensor x)
    {
        var h = pool.Forward(Relu(stemNorm.Forward(stem.Forward(x))));           // [B, 8, 14, 14]
        var r = Relu(block1aNorm.Forward(block1a.Forward(h)));
        h = Relu(h + block1bNorm.Forward(block1b.Forward(r)));                    // residual: h is used twice
        h = Relu(downNorm.Forward(down.Forward(h)));                              // [B, 16, 7, 7]
        r = Relu(block2aNorm.Forward(block2a.Forward(h)));
        h = Relu(h + block2bNorm.Forward(block2b.Forward(r)));
        return head.Forward(GlobalAvgPool(h));
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>A small MobileNet: depthwise-separable blocks (3×3 depthwise, 1×1 pointwise), batch norm and ReLU6.</summary>
[Model]
public sealed partial class TinyMobileNet
{
    readonly Conv2d stem = new(1, 8, 3, stride: 2, padding: 1, bias: false);
    readonly BatchNorm2d stemNorm = new(8);
    readonly Conv2d depthwise1 = new(8, 8, 3, padding: 1, groups: 8, bias: false);
    readonly BatchNorm2d depthwise1Norm = new(8);
    readonly Conv2d pointwise1 = new(8, 16, 1, bias: false);
    readonly BatchNorm2d pointwise1Norm = new(16);
    readonly Conv2d depthwise2 = new(16, 16, 3, stride: 2, padding: 1, groups: 16, bias: false);
    readonly BatchNorm2d depthwise2Norm = new(16);
    readonly Conv2d pointwise2 = new(16, 32, 1, bias: false);
    readonly BatchNorm2d pointwise2Norm = new(32);
    readonly Linear head = new(32, 10);

    public Tensor Forward([Shape("B", 1, 28, 28)] Tensor x)
    {
        var h = Clamp(stemNorm.Forward(stem.Forward(x)), 0f, 6f);                      // [B, 8, 14, 14]
        h = Clamp(depthwise1Norm.Forward(depthwise1.Forward(h)), 0f, 6f);
        h = Clamp(pointwise1Norm.Forward(pointwise1.Forward(h)), 0f, 6f);               // [B, 16, 14, 14]
        h = Clamp(depthwise2Norm.Forward(depthwise2.Forward(h)), 0f, 6f);               // [B, 16, 7, 7]
        h = Clamp(pointwise2Norm.Forward(pointwise2.Forward(h)), 0f, 6f);               // [B, 32, 7, 7]
        return head.Forward(GlobalAvgPool(h));
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>
/// The course's architectures compile and train: on the MNIST split (or the synthetic digits where MNIST is absent),
/// the mean loss of the last 20 of 300 compiled Adam steps is at most half the mean of the first 20.
/// </summary>
public class ArchitectureTrainingTests(ITestOutputHelper output)
{
    private (double First, double Last) Train(Func<Tensor, Tensor, float> step)
    {
        TrainEvalData data = Mnist.LoadTrainEvalSplit();
        var loader = new DataLoader(data.Train, 32, shuffle: true, seed: 1, sampleShape: [1, 28, 28]);
        var losses = new List<float>();
        for (int epoch = 1; losses.Count < 300; epoch++)
        {
            foreach (var (x, y) in loader.Epoch(epoch))
            {
                losses.Add(step(x, y));
                if (losses.Count == 300) break;
            }
        }
        double first = losses.Take(20).Average(), last = losses.Skip(280).Average();
        output.WriteLine($"{(data.IsMnist ? "MNIST" : "synthetic")}: mean loss of steps 1-20 {first:F4}, of steps 281-300 {last:F4}");
        return (first, last);
    }

    [Fact]
    public void TinyResNet_300Steps_LossFallsByHalf()
    {
        var model = new TinyResNet();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 32 });
        var optimizer = new Adam(model.Parameters(), lr: 3e-3);
        var (first, last) = Train((x, y) => compiled.TrainStep(x, y, optimizer));
        Assert.True(last <= first / 2, $"loss fell from {first:F4} to {last:F4}");
    }

    [Fact]
    public void TinyMobileNet_300Steps_LossFallsByHalf()
    {
        var model = new TinyMobileNet();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 32 });
        var optimizer = new Adam(model.Parameters(), lr: 1e-2);
        var (first, last) = Train((x, y) => compiled.TrainStep(x, y, optimizer));
        Assert.True(last <= first / 2, $"loss fell from {first:F4} to {last:F4}");
    }
}
