using Microsoft.CodeAnalysis;
using ModelGen.Generator.CodeFixes;
using Xunit;
using static ModelGen.Tests.Generator.CodeFixes.CodeFixVerifier;

namespace ModelGen.Tests.Generator.CodeFixes;

/// <summary>MG1001 and MG1002: the squashing call before CrossEntropy or BCEWithLogits is removed, inline in the loss or at the end of Forward.</summary>
public class PassLogitsCodeFixTests
{
    [Theory]
    [InlineData("Softmax")]
    [InlineData("LogSoftmax")]
    public Task SquashInsideCrossEntropy_Removed(string squash)
        => VerifyAsync<PassLogitsCodeFix>(
            Model($$"""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
                [Loss] public Tensor Loss(Tensor logits, [Shape("B")] Tensor y) => CrossEntropy({|#0:{{squash}}(logits)|}, y);
            """),
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
                [Loss] public Tensor Loss(Tensor logits, [Shape("B")] Tensor y) => CrossEntropy(logits, y);
            """),
            $"Remove {squash}: CrossEntropy takes the logits", MG1001);

    [Fact]
    public Task SoftmaxOfAnExpression_TheExpressionStandsInForTheCall()
        => VerifyAsync<PassLogitsCodeFix>(
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
                [Loss] public Tensor Loss(Tensor z, [Shape("B")] Tensor y)
                {
                    var p = {|#0:Softmax(z / 2f)|};
                    return CrossEntropy(p, y);
                }
            """),
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
                [Loss] public Tensor Loss(Tensor z, [Shape("B")] Tensor y)
                {
                    var p = z / 2f;
                    return CrossEntropy(p, y);
                }
            """),
            "Remove Softmax: CrossEntropy takes the logits", MG1001);

    [Fact]
    public Task SoftmaxReturnedByForward_RemovedAtItsCall()
        => VerifyAsync<PassLogitsCodeFix>(
            Model("""
                readonly Linear fc = new(4, 8);
                readonly Linear head = new(8, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x)
                {
                    var h = Relu(fc.Forward(x));
                    return {|#0:Softmax(head.Forward(h))|};
                }
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => CrossEntropy(p, y);
            """),
            Model("""
                readonly Linear fc = new(4, 8);
                readonly Linear head = new(8, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x)
                {
                    var h = Relu(fc.Forward(x));
                    return head.Forward(h);
                }
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => CrossEntropy(p, y);
            """),
            "Remove Softmax: CrossEntropy takes the logits", MG1001);

    [Fact]
    public Task SigmoidInsideBceWithLogits_Removed()
        => VerifyAsync<PassLogitsCodeFix>(
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
                [Loss] public Tensor Loss(Tensor z, [Shape("B", 3)] Tensor t) => BCEWithLogits({|#0:Ops.Sigmoid(z)|}, t);
            """),
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
                [Loss] public Tensor Loss(Tensor z, [Shape("B", 3)] Tensor t) => BCEWithLogits(z, t);
            """),
            "Remove Sigmoid: BCEWithLogits takes the logits", MG1002);
}
