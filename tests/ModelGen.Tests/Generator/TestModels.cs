namespace ModelGen.Tests.Generator;

/// <summary>Model sources fed to the generator in snapshot, diagnostics and caching tests.</summary>
public static class TestModels
{
    /// <summary>The MNIST sample's model, read from samples/Mnist/MnistMlp.cs (copied beside the tests).</summary>
    public static readonly string MnistMlp = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "MnistMlp.cs.txt"));

    /// <summary>The LeNet sample's model, read from samples/LeNet/LeNet5.cs (copied beside the tests).</summary>
    public static readonly string LeNet5 = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Samples", "LeNet5.cs.txt"));

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

    /// <summary>A composed model: a block with a helper used from a list and tied, two inputs, a tuple output.</summary>
    public const string ComposedNet = GeneratorHarness.Usings + """
        namespace Samples.Composed;

        [Module]
        public sealed partial class Residual(int width)
        {
            readonly Linear fc = new(width, width);

            public Tensor Forward(Tensor x) => x + Activate(fc.Forward(x));

            private static Tensor Activate(Tensor t) => Tanh(t);
        }

        [Model]
        public sealed partial class ComposedNet
        {
            readonly Linear embed = new(6, 8);
            readonly Residual[] blocks = [new(8), new(8)];
            readonly Linear head = new(8, 3);

            public (Tensor Logits, Tensor Features) Forward([Shape("B", 6)] Tensor x, [Shape("B", 8)] Tensor bias)
            {
                var h = Relu(embed.Forward(x)) + bias;
                foreach (var block in blocks) h = block.Forward(h);
                h = blocks[0].Forward(h);
                return (head.Forward(h), h);
            }

            [Loss]
            public Tensor Loss((Tensor Logits, Tensor Features) output, [Shape("B")] Tensor labels) => CrossEntropy(output.Logits, labels);
        }
        """;
}
