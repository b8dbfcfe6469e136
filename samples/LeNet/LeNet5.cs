using ModelGen;
using static ModelGen.Ops;

namespace Samples.LeNet;

/// <summary>
/// LeNet-5 for 28×28 digits: two convolution, ReLU and max-pool stages (6 then 16 channels, 5×5 kernels, the first
/// padded to keep 28×28), flattened to 16·5·5 = 400 features, then three linear layers 400-120-84-10.
/// </summary>
[Model]
public sealed partial class LeNet5
{
    readonly Conv2d conv1 = new(1, 6, 5, padding: 2);
    readonly MaxPool2d pool1 = new(2);
    readonly Conv2d conv2 = new(6, 16, 5);
    readonly MaxPool2d pool2 = new(2);
    readonly Linear fc1 = new(16 * 5 * 5, 120);
    readonly Linear fc2 = new(120, 84);
    readonly Linear head = new(84, 10);

    public Tensor Forward([Shape("B", 1, 28, 28)] Tensor x)
    {
        var h = pool1.Forward(Relu(conv1.Forward(x)));
        h = pool2.Forward(Relu(conv2.Forward(h)));
        h = Flatten(h);
        h = Relu(fc1.Forward(h));
        h = Relu(fc2.Forward(h));
        return head.Forward(h);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}
