using ModelGen;
using static ModelGen.Ops;

namespace Samples.Pruning;

/// <summary>
/// <see cref="Samples.Mnist.MnistMlp"/> with half of each hidden layer's neurons: 784-128-64-10, the sizes
/// <c>Prune.CompactSizes</c> reports after <c>Prune.Structured(model, 0.5)</c>. Declared as a class of its own
/// because the generator bakes layer sizes into the compiled code.
/// </summary>
[Model]
public sealed partial class MnistMlpHalf
{
    readonly Linear fc1 = new(784, 128);
    readonly Linear fc2 = new(128, 64);
    readonly Linear head = new(64, 10);

    public Tensor Forward([Shape("B", 784)] Tensor x)
    {
        var h = Relu(fc1.Forward(x));
        h = Relu(fc2.Forward(h));
        return head.Forward(h);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}
