namespace ModelGen.Tests.Generator;

/// <summary>
/// The layer-norm model of <see cref="SavedValuesModels"/>: one on the input itself (no input gradient, so its weight
/// is not read) and one inside with both gradients; the sequence one has no affine parameters.
/// </summary>
public static class LayerNormSavedValuesModel
{
    public const string LayerNorms = GeneratorHarness.Usings + """
        [Model]
        public sealed partial class LayerNorms
        {
            readonly LayerNorm inputNorm = new(6);
            readonly Linear fc = new(6, 8);
            readonly LayerNorm norm = new(8);
            readonly LayerNorm plain = new(8, elementwiseAffine: false);
            readonly Linear head = new(3 * 8, 4);

            public Tensor Forward([Shape("B", 3, 6)] Tensor x) => head.Forward(Flatten(plain.Forward(Relu(norm.Forward(fc.Forward(inputNorm.Forward(x)))))));

            [Loss]
            public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
        }
        """;
}
