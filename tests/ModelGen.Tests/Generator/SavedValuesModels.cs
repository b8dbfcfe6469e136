namespace ModelGen.Tests.Generator;

/// <summary>
/// Model sources for <see cref="SavedValuesTests"/>: the snapshot models, then one per operator family. Between them
/// each gradient rule runs, and each save that only one input's gradient needs is seen both read and not read (a first
/// layer's weight gradient reads x but its input gradient is never formed; a constant divisor needs no gradient).
/// </summary>
public static class SavedValuesModels
{
    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        [nameof(TestModels.MnistMlp)] = TestModels.MnistMlp,
        [nameof(TestModels.LeNet5)] = TestModels.LeNet5,
        [nameof(TestModels.Regressor)] = TestModels.Regressor,
        [nameof(Arithmetic)] = Arithmetic,
        [nameof(ElementwiseMath)] = ElementwiseMath,
        [nameof(Activations)] = Activations,
        [nameof(Softmaxes)] = Softmaxes,
        [nameof(PRelu)] = PRelu,
        [nameof(ConvAndPooling)] = ConvAndPooling,
        [nameof(Layout)] = Layout,
        [nameof(Reductions)] = Reductions,
        [nameof(RegressionLosses)] = RegressionLosses,
        [nameof(ProbabilisticLosses)] = ProbabilisticLosses,
        [nameof(ClassLosses)] = ClassLosses,
        [nameof(NormalizationAndDropout)] = NormalizationAndDropout,
        [nameof(TransposedConvolution)] = TransposedConvolution,
        [nameof(LayerNormSavedValuesModel.LayerNorms)] = LayerNormSavedValuesModel.LayerNorms,
        [nameof(Embeddings)] = Embeddings,
    };

    /// <summary>An embedding over token ids [B, T], whose table's gradient reads the ids, and a random draw (no gradient).</summary>
    public const string Embeddings = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class Embeddings
        {
            readonly Embedding embed = new(12, 4, paddingIdx: 0);
            readonly Linear head = new(4, 3);

            public Tensor Forward([Shape("B", "T")] Tensor ids)
            {
                var e = Mean(embed.Forward(ids), 1);
                return head.Forward(e + 0.1f * RandnLike(e));
            }

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;

    /// <summary>A transposed convolution on the input itself (no input gradient) and one inside (both gradients).</summary>
    public const string TransposedConvolution = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class TransposedConvolution
        {
            readonly ConvTranspose2d up = new(2, 3, 3, stride: 2);
            readonly ConvTranspose2d again = new(3, 2, 2, bias: false);
            readonly Linear head = new(2 * 10 * 10, 3);

            public Tensor Forward([Shape("B", 2, 4, 4)] Tensor x) => head.Forward(Flatten(again.Forward(Tanh(up.Forward(x)))));

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;

    /// <summary>BatchNorm2d on the input itself (no input gradient), BatchNorm1d inside, and dropout.</summary>
    public const string NormalizationAndDropout = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class NormalizationAndDropout
        {
            readonly BatchNorm2d inputNorm = new(2);
            readonly Conv2d conv = new(2, 3, 3, bias: false);
            readonly BatchNorm1d norm = new(12);
            readonly Dropout drop = new(0.2f);
            readonly Linear head = new(12, 4);

            public Tensor Forward([Shape("B", 2, 4, 4)] Tensor x)
            {
                var h = Relu(conv.Forward(inputNorm.Forward(x)));
                h = norm.Forward(Flatten(h));
                return head.Forward(drop.Forward(h));
            }

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;

    /// <summary>
    /// + - * / and unary minus with both operands needing a gradient and with one constant, and Ops.MatMul of two
    /// activations, of an activation and a constant matrix, and of the input and an activation.
    /// </summary>
    public const string Arithmetic = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class Arithmetic
        {
            readonly Linear fc = new(16, 8);
            readonly Linear gate = new(16, 8);
            readonly Linear square = new(16, 64);
            readonly Linear wide = new(16, 128);
            readonly Linear head = new(10, 3);

            public Tensor Forward([Shape("N", 16)] Tensor x)
            {
                var a = Tanh(fc.Forward(x));
                var b = Sigmoid(gate.Forward(x));
                var h = a * b + a / (b + 1f) - -a * 2f + b / 3f + 2f / (a * a + 1f) - (1f - b) + 0.5f * a;
                var m = Reshape(Mean(square.Forward(x), 0), 8, 8);                    // [8, 8], needs a gradient
                var c = Reshape(Mean(x, 0), 8, 2);                                     // [8, 2], a constant of the data
                var w = Reshape(Mean(wide.Forward(x), 0), 16, 8);                      // [16, 8], needs a gradient
                var features = MatMul(MatMul(h, m), c);                                // [N, 2]
                return head.Forward(Concat(features, MatMul(x, w), 1));               // [N, 10]
            }

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("N")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;

    /// <summary>Exp, Log, Sqrt, Abs, Pow and Clamp.</summary>
    public const string ElementwiseMath = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class ElementwiseMath
        {
            readonly Linear fc = new(7, 6);
            readonly Linear head = new(6, 4);

            public Tensor Forward([Shape("B", 7)] Tensor x)
            {
                var h = fc.Forward(x);
                var a = Exp(Clamp(h, -0.3f, 0.4f)) + Log(Abs(h) + 0.5f);
                var b = Sqrt(Abs(h) + 1f) * Pow(h, 3f) + Pow(Abs(h) + 0.25f, 1.5f);
                return head.Forward(a + b + Exp(h));
            }

            [Loss]
            public Tensor Loss(Tensor y, [Shape("B", 4)] Tensor t) => MseLoss(y, t);
        }
        """;

    /// <summary>Relu, Sigmoid, Tanh and every parameterised activation, with default and explicit constants.</summary>
    public const string Activations = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class Activations
        {
            readonly Linear fc = new(9, 5);
            readonly Linear head = new(5, 3);

            public Tensor Forward([Shape("B", 9)] Tensor x)
            {
                var h = fc.Forward(x) * 3f;
                var a = LeakyRelu(h) + LeakyRelu(h, 0.2f) + Elu(h) + Elu(h, 0.5f) + Relu(h) + Sigmoid(h) + Tanh(h);
                var b = Gelu(h) + Gelu(h, true) + Gelu(h, tanhApproximation: false) + Silu(h);
                var c = Softplus(h) + Softplus(h, 2f, 1f);
                return head.Forward(a + b + c);
            }

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;

    /// <summary>Softmax and LogSoftmax over the last axis of a rank-3 activation.</summary>
    public const string Softmaxes = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class Softmaxes
        {
            readonly Linear fc = new(5, 6);
            readonly Linear head = new(6, 4);

            public Tensor Forward([Shape("B", 3, 5)] Tensor x)
            {
                var p = Softmax(fc.Forward(x) * 2f);
                return LogSoftmax(head.Forward(p)) + Softmax(head.Forward(p * 3f));
            }

            [Loss]
            public Tensor Loss(Tensor y, [Shape("B", 3, 4)] Tensor t) => Mean(y * t);
        }
        """;

    /// <summary>PReLU per channel and with one shared slope.</summary>
    public const string PRelu = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class PRelu
        {
            readonly Linear fc = new(5, 4);
            readonly PReLU perChannel = new(3, 0.1f);
            readonly PReLU shared = new();
            readonly Linear head = new(12, 3);

            public Tensor Forward([Shape("B", 3, 5)] Tensor x)
            {
                var h = perChannel.Forward(fc.Forward(x));
                return head.Forward(Flatten(shared.Forward(h - 0.1f)));
            }

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;

    /// <summary>Convolutions (padding, stride, groups, dilation without bias), average and max pooling.</summary>
    public const string ConvAndPooling = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class ConvAndPooling
        {
            readonly Conv2d conv = new(2, 4, 3, padding: 1);
            readonly Conv2d depthwise = new(4, 4, 3, stride: 2, padding: 1, groups: 4);
            readonly Conv2d dilated = new(4, 6, 3, padding: 2, dilation: 2, bias: false);
            readonly AvgPool2d smooth = new(3, stride: 1, padding: 1);
            readonly MaxPool2d pool = new(2);
            readonly Linear head = new(6 * 2 * 2, 3);

            public Tensor Forward([Shape("B", 2, 9, 7)] Tensor x)
            {
                var h = Tanh(conv.Forward(x));
                h = Relu(depthwise.Forward(h));
                h = smooth.Forward(dilated.Forward(h));
                h = Flatten(pool.Forward(h));
                return head.Forward(h);
            }

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;

    /// <summary>Upsample (nearest, bilinear), Concat, Slice, Permute, Transpose, AdaptiveAvgPool2d, GlobalAvgPool, Reshape.</summary>
    public const string Layout = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class Layout
        {
            readonly Conv2d conv = new(2, 3, 3, padding: 1);
            readonly AdaptiveAvgPool2d adaptive = new(3);
            readonly Linear head = new(3 * 3 * 6 + 6, 3);

            public Tensor Forward([Shape("B", 2, 5, 4)] Tensor x)
            {
                var h = Tanh(conv.Forward(x));
                var near = Upsample(h, 2);
                var smooth = Upsample(h, 2, bilinear: true);
                var c = Concat(near, smooth, 1);
                c = Slice(c, 2, 1, 7);
                c = Permute(c, 0, 2, 3, 1);
                c = Transpose(c, 1, 3);
                var pooled = Reshape(adaptive.Forward(c), -1, 54);
                var features = Concat(pooled, GlobalAvgPool(c), -1);
                return head.Forward(features);
            }

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;

    /// <summary>Sum, Mean and Max of everything and along an axis, kept and removed; smoothed cross-entropy.</summary>
    public const string Reductions = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class Reductions
        {
            readonly Linear fc1 = new(11, 12);
            readonly Linear fc2 = new(12, 5);

            public Tensor Forward([Shape("B", 11)] Tensor x)
            {
                var h = Tanh(fc1.Forward(x));
                var peak = Max(h, -1, keepDims: true);
                var total = Sum(h, 1, true);
                var batchMean = Mean(h, 0);
                h = h - peak + total * 0.1f + batchMean + Sum(h) * 0.01f;
                return fc2.Forward(h);
            }

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels)
                => CrossEntropy(logits, labels, 0.1f) + Mean(Max(logits, 1)) * 0.1f;
        }
        """;

    /// <summary>MSE, L1, smooth L1 and Huber, with a target that needs a gradient too.</summary>
    public const string RegressionLosses = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class RegressionLosses
        {
            readonly Linear fc = new(5, 7);
            readonly Linear head = new(7, 4);

            public Tensor Forward([Shape("B", 5)] Tensor x) => head.Forward(Tanh(fc.Forward(x)));

            [Loss]
            public Tensor Loss(Tensor prediction, [Shape("B", 4)] Tensor target)
                => HuberLoss(prediction, target, 0.5f) + SmoothL1Loss(prediction, target, beta: 0.8f) + L1Loss(prediction, target) * 0.5f
                   + MseLoss(target, Tanh(prediction)) + L1Loss(target, prediction);
        }
        """;

    /// <summary>BCE with logits and KL divergence, each once with the prediction as input and once as (part of) the target.</summary>
    public const string ProbabilisticLosses = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class ProbabilisticLosses
        {
            readonly Linear fc = new(6, 9);
            readonly Linear head = new(9, 4);

            public Tensor Forward([Shape("B", 6)] Tensor x) => head.Forward(Tanh(fc.Forward(x)));

            [Loss]
            public Tensor Loss(Tensor prediction, [Shape("B", 4)] Tensor target)
                => BCEWithLogits(prediction, Sigmoid(target)) + BCEWithLogits(target, Sigmoid(prediction)) * 0.5f
                   + KLDiv(prediction * 0.5f - 1f, Sigmoid(target)) + KLDiv(target - 1f, Sigmoid(prediction));
        }
        """;

    /// <summary>NLL and cross-entropy with an ignore index.</summary>
    public const string ClassLosses = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class ClassLosses
        {
            readonly Linear fc = new(9, 8);
            readonly Linear head = new(8, 5);

            public Tensor Forward([Shape("B", 9)] Tensor x) => head.Forward(Relu(fc.Forward(x)));

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels)
                => NllLoss(LogSoftmax(logits), labels) + CrossEntropy(logits, labels, 0.2f, 3) + CrossEntropy(logits, labels, ignoreIndex: 1);
        }
        """;
}
