using ModelGen;
using static ModelGen.Ops;

namespace Samples.ResNet;

/// <summary>
/// A ResNet basic block (He et al. 2016): 3×3 convolution, batch norm, ReLU, 3×3 convolution, batch norm, plus the
/// shortcut, then ReLU. The shortcut is the identity, or a 1×1 strided projection where the channels or the stride
/// change. The projection is an optional layer: the generator traces only the branch the constructor chose.
/// </summary>
[Module]
public sealed partial class BasicBlock
{
    readonly Conv2d conv1, conv2;
    readonly BatchNorm2d bn1, bn2;
    readonly Conv2d? shortcut;

    public BasicBlock(int inChannels, int outChannels, int stride = 1)
    {
        conv1 = new(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = new(outChannels);
        conv2 = new(outChannels, outChannels, 3, padding: 1, bias: false);
        bn2 = new(outChannels);
        if (inChannels != outChannels || stride != 1) shortcut = new(inChannels, outChannels, 1, stride: stride, bias: false);
    }

    public Tensor Forward(Tensor x)
    {
        var h = Relu(bn1.Forward(conv1.Forward(x)));
        h = bn2.Forward(conv2.Forward(h));
        return Relu(h + Shortcut(x));
    }

    private Tensor Shortcut(Tensor x) => shortcut != null ? shortcut.Forward(x) : x;
}

/// <summary>
/// A small ResNet for 28×28 digits: a 3×3 stem (16 channels, batch norm, ReLU) and 2×2 max pooling to 14×14, three
/// basic blocks (16 channels at 14×14, 32 at 7×7, 64 at 4×4; the last two downsample with a projection shortcut),
/// global average pooling and a linear head.
/// </summary>
[Model]
public sealed partial class MnistResNet
{
    readonly Conv2d stem = new(1, 16, 3, padding: 1, bias: false);
    readonly BatchNorm2d stemNorm = new(16);
    readonly MaxPool2d pool = new(2);
    readonly BasicBlock[] blocks = [new(16, 16), new(16, 32, 2), new(32, 64, 2)];
    readonly Linear head = new(64, 10);

    public Tensor Forward([Shape("B", 1, 28, 28)] Tensor x)
    {
        var h = pool.Forward(Relu(stemNorm.Forward(stem.Forward(x))));
        foreach (var block in blocks) h = block.Forward(h);
        return head.Forward(Flatten(GlobalAvgPool(h)));
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}
