using Microsoft.CodeAnalysis;
using ModelGen.Generator.CodeFixes;
using Xunit;
using static ModelGen.Tests.Generator.CodeFixes.CodeFixVerifier;

namespace ModelGen.Tests.Generator.CodeFixes;

/// <summary>MG1003: <c>Log(Softmax(x))</c> becomes <c>LogSoftmax(x)</c>; before and after compared exactly, with the title, and the fixed model compiles without MG1003.</summary>
public class LogSoftmaxCodeFixTests
{
    [Fact]
    public Task LogOfSoftmax_UsingStatic_BecomesLogSoftmax()
        => VerifyAsync<LogSoftmaxCodeFix>(
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => {|#0:Log(Softmax(fc.Forward(x)))|};
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => NllLoss(p, y);
            """),
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => LogSoftmax(fc.Forward(x));
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => NllLoss(p, y);
            """),
            LogSoftmaxCodeFix.Title, MG1003);

    [Fact]
    public Task LogOfSoftmax_QualifiedOps_KeepsTheQualifier()
        => VerifyAsync<LogSoftmaxCodeFix>(
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x)
                {
                    var logp = {|#0:Ops.Log(Ops.Softmax(fc.Forward(x)))|};   // log-probabilities
                    return logp;
                }
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => Ops.NllLoss(p, y);
            """, usings: "using ModelGen;\n"),
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x)
                {
                    var logp = Ops.LogSoftmax(fc.Forward(x));   // log-probabilities
                    return logp;
                }
                [Loss] public Tensor Loss(Tensor p, [Shape("B")] Tensor y) => Ops.NllLoss(p, y);
            """, usings: "using ModelGen;\n"),
            LogSoftmaxCodeFix.Title, MG1003);

    [Fact]
    public Task LogOfSoftmax_TwoInOneModel_FixAllRewritesBoth()
        => VerifyAsync<LogSoftmaxCodeFix>(
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x)
                {
                    var h = fc.Forward(x);
                    return {|#0:Log(Softmax(h))|} + {|#1:Log(Softmax(h * 2f))|};
                }
            """),
            Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x)
                {
                    var h = fc.Forward(x);
                    return LogSoftmax(h) + LogSoftmax(h * 2f);
                }
            """),
            LogSoftmaxCodeFix.Title, MG1003, MG1003);

    [Fact]
    public Task LogOfSoftmax_ThroughALocal_NoFixOffered()
        // The lint sees the graph; the fix rewrites only the nested call, and leaves a Softmax that a local carries.
        => VerifyNoFixAsync<LogSoftmaxCodeFix>(Model("""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x)
                {
                    var p = Softmax(fc.Forward(x));
                    return {|#0:Log(p)|};
                }
            """), MG1003);

    [Fact]
    public async Task LogSoftmaxFix_GivenTheGeneratorsOwnDiagnostic_Rewrites()
    {
        string Source(string body) => Model($$"""
                readonly Linear fc = new(4, 3);
                public Tensor Forward([Shape("B", 4)] Tensor x) => {{body}};
            """);
        var (title, fixedSource) = await ApplyToRawDiagnosticAsync(new LogSoftmaxCodeFix(), Source("Log(Softmax(fc.Forward(x)))"), "MG1003");
        Assert.Equal(LogSoftmaxCodeFix.Title, title);
        Assert.Equal(Source("LogSoftmax(fc.Forward(x))"), fixedSource);
    }
}
