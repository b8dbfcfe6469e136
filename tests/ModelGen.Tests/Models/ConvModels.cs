using ModelGen;
using static ModelGen.Ops;

namespace ModelGen.Tests.Models;

/// <summary>
/// Every convolution and pooling variant on odd sizes, for finite-difference and compiled-versus-eager checks:
/// padding, stride 2, depthwise groups, dilation without bias, average pooling with padding, max pooling, Flatten.
/// </summary>
[Model]
public sealed partial class SmallConvNet
{
    readonly Conv2d conv = new(2, 4, 3, padding: 1);
    readonly Conv2d depthwise = new(4, 4, 3, stride: 2, padding: 1, groups: 4);
    readonly Conv2d dilated = new(4, 6, 3, padding: 2, dilation: 2, bias: false);
    readonly AvgPool2d smooth = new(3, stride: 1, padding: 1);
    readonly MaxPool2d pool = new(2);
    readonly Linear head = new(6 * 2 * 2, 3);

    public Tensor Forward([Shape("B", 2, 9, 7)] Tensor x)
    {
        var h = Tanh(conv.Forward(x));                 // [B, 4, 9, 7]
        h = Relu(depthwise.Forward(h));                 // [B, 4, 5, 4]
        h = smooth.Forward(dilated.Forward(h));         // [B, 6, 5, 4]
        h = Flatten(pool.Forward(h));                   // [B, 6, 2, 2] -> [B, 24]
        return head.Forward(h);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}
