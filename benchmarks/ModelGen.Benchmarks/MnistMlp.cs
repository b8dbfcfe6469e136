using ModelGen;
using static ModelGen.Ops;

namespace ModelGen.Benchmarks;

/// <summary>The MLP 784-256-128-10 of the MNIST sample, as the peers measure it.</summary>
[Model]
public sealed partial class MnistMlp
{
    readonly Linear fc1 = new(784, 256);
    readonly Linear fc2 = new(256, 128);
    readonly Linear head = new(128, 10);

    public Tensor Forward([Shape("B", 784)] Tensor x)
    {
        var h = Relu(fc1.Forward(x));
        h = Relu(fc2.Forward(h));
        return head.Forward(h);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}
