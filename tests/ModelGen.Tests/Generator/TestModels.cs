namespace ModelGen.Tests.Generator;

/// <summary>Model sources fed to the generator in snapshot, diagnostics and caching tests.</summary>
public static class TestModels
{
    /// <summary>The MLP of the README and the MNIST sample.</summary>
    public const string MnistMlp = GeneratorHarness.Usings + """
        namespace Samples;

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
        """;

    /// <summary>A regression model: tanh and sigmoid, a residual sum, scalar arithmetic, a layer without bias, MSE.</summary>
    public const string Regressor = GeneratorHarness.Usings + """
        namespace Samples;

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
        """;
}
