using ModelGen;
using static ModelGen.Ops;

namespace Samples.LeNet;

/// <summary>
/// <see cref="LeNet5"/> with half its filters and hidden units: the sizes <c>Prune.CompactSizes</c> gives after
/// <c>Prune.Structured(model, 0.5)</c> (conv1 keeps 3 of 6 filters, conv2 8 of 16, so fc1 reads 8·5·5 features).
/// Declared as a class of its own because a compiled model's sizes are fixed at build time; <c>Prune.Compact</c>
/// copies the pruned LeNet5's kept weights into it. The benchmark's <c>--compact</c> and the compaction tests use it.
/// </summary>
[Model]
public sealed partial class LeNet5Half
{
    readonly Conv2d conv1 = new(1, 3, 5, padding: 2);
    readonly MaxPool2d pool1 = new(2);
    readonly Conv2d conv2 = new(3, 8, 5);
    readonly MaxPool2d pool2 = new(2);
    readonly Linear fc1 = new(8 * 5 * 5, 60);
    readonly Linear fc2 = new(60, 42);
    readonly Linear head = new(42, 10);

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
