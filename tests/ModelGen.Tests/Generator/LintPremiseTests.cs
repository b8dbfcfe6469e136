using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// Each lint's negative case: a construct that looks like the mistake but is correct, or where the lint's premise fails,
/// compiles without a warning. (LintTests holds the positive cases.)
/// </summary>
public class LintPremiseTests
{
    private static void AssertNoLint(string body)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(GeneratorHarness.Usings + body);
        Assert.Empty(result.ModelDiagnostics);
        Assert.Empty(result.CompilationErrors);
        Assert.Empty(result.Lints);
        Assert.NotEmpty(result.Sources);
    }

    [Fact]
    public void MG1001_SoftmaxOutputBesideLogitsIntoCrossEntropy_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Linear fc = new(4, 3);
                public (Tensor Logits, Tensor Probabilities) Forward([Shape("B", 4)] Tensor x) { var z = fc.Forward(x); return (z, Softmax(z)); }
                [Loss] public Tensor Loss((Tensor Logits, Tensor Probabilities) o, [Shape("B")] Tensor y) => CrossEntropy(o.Logits, y);
            }
            """);

    [Fact]
    public void MG1002_SigmoidOutputBesideLogitsIntoBceWithLogits_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Linear fc = new(4, 3);
                public (Tensor Logits, Tensor P) Forward([Shape("B", 4)] Tensor x) { var z = fc.Forward(x); return (z, Sigmoid(z)); }
                [Loss] public Tensor Loss((Tensor Logits, Tensor P) o, [Shape("B", 3)] Tensor t) => BCEWithLogits(o.Logits, t);
            }
            """);

    [Fact]
    public void MG1003_LogOfSigmoidAndLogSoftmax_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) { var z = fc.Forward(x); return LogSoftmax(z) + Log(Sigmoid(z)); }
            }
            """);

    [Fact]
    public void MG1004_ResidualAroundTheBatchNorm_BiasReachesTheOutput_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Linear fc = new(4, 6);
                readonly BatchNorm1d bn = new(6);
                public Tensor Forward([Shape("B", 4)] Tensor x) { var h = fc.Forward(x); return Relu(bn.Forward(h) + h); }
            }
            """);

    [Fact]
    public void MG1004_LinearBiasAlongLengthNotChannels_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Linear fc = new(4, 5);
                readonly BatchNorm1d bn = new(6);
                public Tensor Forward([Shape("B", 6, 4)] Tensor x) => Relu(bn.Forward(fc.Forward(x)));
            }
            """);

    [Fact]
    public void MG1004_ConvolutionWithoutBias_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Conv2d conv = new(2, 6, 3, bias: false);
                readonly BatchNorm2d bn = new(6);
                public Tensor Forward([Shape("B", 2, 5, 5)] Tensor x) => Relu(bn.Forward(conv.Forward(x)));
            }
            """);

    [Fact]
    public void MG1005_NonlinearityBetween_AndFeaturesAlsoAnOutput_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Linear fc1 = new(4, 8);
                readonly Linear fc2 = new(8, 8);
                readonly Linear head = new(8, 2);
                public (Tensor Logits, Tensor Features) Forward([Shape("B", 4)] Tensor x)
                {
                    var features = fc2.Forward(Relu(fc1.Forward(x)));
                    return (head.Forward(features), features);
                }
            }
            """);

    [Fact]
    public void MG1006_EveryLayerUsedAndTrained_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Linear fc = new(4, 3);
                readonly Linear head = new(3, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => head.Forward(Relu(fc.Forward(x)));
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => CrossEntropy(p, y);
            }
            """);

    [Fact]
    public void MG1007_DropoutOnHiddenFeaturesAndOnAResidualBranch_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                readonly Linear fc1 = new(4, 4);
                readonly Linear fc2 = new(4, 3);
                readonly Dropout drop = new(0.1f);
                public Tensor Forward([Shape("B", 4)] Tensor x) { var h = x + drop.Forward(Relu(fc1.Forward(x))); return fc2.Forward(h); }
            }
            """);

    [Fact]
    public void MG1008_ReshapeThatFlattensOrRegroups_NoWarning()
        => AssertNoLint("""
            [Model] public partial class M
            {
                public Tensor Forward([Shape("B", 4, 6)] Tensor x) => Reshape(Reshape(x, -1, 8, 3), -1, 24);
            }
            """);
}
