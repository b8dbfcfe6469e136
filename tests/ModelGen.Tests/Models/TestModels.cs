using ModelGen;
using static ModelGen.Ops;

namespace ModelGen.Tests.Models;

// Models compiled by the real generator (the test project references it as an analyzer, like a user project).

/// <summary>A small classifier with odd sizes, for finite-difference checks of every parameter element.</summary>
[Model]
public sealed partial class TinyMlp
{
    readonly Linear fc1 = new(13, 17);
    readonly Linear fc2 = new(17, 11);
    readonly Linear head = new(11, 5);

    public Tensor Forward([Shape("B", 13)] Tensor x) => head.Forward(Relu(fc2.Forward(Relu(fc1.Forward(x)))));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>Regression: tanh, sigmoid, a residual sum, scalar arithmetic, a layer without bias, MSE.</summary>
[Model]
public sealed partial class Regressor
{
    readonly Linear input = new(8, 16);
    readonly Linear hidden = new(16, 16, bias: false);
    readonly Linear output = new(16, 4);

    public Tensor Forward([Shape("N", 8)] Tensor x)
    {
        var h = Tanh(input.Forward(x));
        h = h + Sigmoid(hidden.Forward(h)) * 0.5f;
        return output.Forward(h) / 2f - 1f;
    }

    [Loss]
    public Tensor Loss(Tensor prediction, [Shape("N", 4)] Tensor target) => MseLoss(prediction, target);
}

/// <summary>
/// One layer applied twice (its gradients from both uses add up), a division by a learned value, a product of
/// two activations, and a layer that is declared but unused (its gradient is zero, as nothing trains it).
/// </summary>
[Model]
public sealed partial class SharedLayer
{
    readonly Linear embed = new(6, 9);
    readonly Linear shared = new(9, 9);
    readonly Linear head = new(9, 3);
    readonly Linear unused = new(4, 4);   // deliberately unused (MG1006 is off in this project): its gradient must be zero

    public Tensor Forward([Shape("B", 6)] Tensor x)
    {
        var h = Tanh(embed.Forward(x));
        var a = Relu(shared.Forward(h));
        var b = Sigmoid(shared.Forward(a));
        h = a * b + h / (Sigmoid(b) + 1f);
        return head.Forward(-h);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels) + Mean(logits * logits) * 0.01f;
}
