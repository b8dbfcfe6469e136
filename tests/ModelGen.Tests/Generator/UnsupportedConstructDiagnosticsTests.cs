using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// Constructs a traced method cannot contain (MG0010-MG0014, MG0002 for the rest): each with its id, exact span and a
/// message that says what to write instead. Also the constant-bound loops that are unrolled rather than rejected.
/// </summary>
public class UnsupportedConstructDiagnosticsTests
{
    private static void AssertSingle(string markedSource, string id, string message)
        => Assert.Empty(GeneratorHarness.AssertSingleError(markedSource, id, message).Sources);

    private static string Model(string forwardBody, string members = "") => $$"""
        [Model]
        public partial class M
        {
            readonly Linear fc1 = new(784, 128);
            readonly Linear fc2 = new(128, 10);
            {{members}}
            public Tensor Forward([Shape("B", 784)] Tensor x)
            {
                {{forwardBody}}
            }
        }
        """;

    private const string LoopAdvice = "write each repeated step out, one call each (a 'for' loop with constant bounds, such as 'for (int i = 0; i < 3; i++)', is unrolled)";

    [Fact]
    public void WhileLoop_InForward_MG0010AtTheLoop()
        => AssertSingle(Model("""
            var h = fc1.Forward(x);
                    [|while (true) h = Relu(h);|]
                    return fc2.Forward(h);
            """), "MG0010", "A loop is not supported in a model's Forward: its condition is evaluated at run time; " + LoopAdvice);

    [Fact]
    public void ForLoop_BoundNotConstant_MG0010AtTheLoop()
        => AssertSingle(Model("""
            var h = fc1.Forward(x);
                    [|for (int i = 0; i < depth; i++) h = Relu(h);|]
                    return fc2.Forward(h);
            """, "int depth = 3;"), "MG0010",
            "A loop is not supported in a model's Forward: its iterations are not known at build time (only 'for (int i = a; i < b; i++)' with constant a and b is unrolled); " + LoopAdvice);

    [Fact]
    public void ForLoop_BodyChangesTheCounter_MG0010AtTheLoop()
        => AssertSingle(Model("""
            var h = fc1.Forward(x);
                    [|for (int i = 0; i < 3; i++) { h = Relu(h); i = i + 1; }|]
                    return fc2.Forward(h);
            """), "MG0010", "A loop is not supported in a model's Forward: its body changes the counter 'i', so the iterations are not known at build time; " + LoopAdvice);

    [Fact]
    public void ForLoop_ConstantBounds_UnrolledIntoTheSameCodeAsWrittenOut()
    {
        GeneratorHarness.Result looped = GeneratorHarness.Run(GeneratorHarness.Usings + Model("""
            var h = fc1.Forward(x);
                    for (int i = 0; i < 3; i++) h = Relu(h) * (i + 1);
                    return fc2.Forward(h);
            """));
        GeneratorHarness.Result written = GeneratorHarness.Run(GeneratorHarness.Usings + Model("""
            var h = fc1.Forward(x);
                    h = Relu(h) * 1;
                    h = Relu(h) * 2;
                    h = Relu(h) * 3;
                    return fc2.Forward(h);
            """));
        Assert.Empty(looped.ModelDiagnostics);
        Assert.Empty(looped.CompilationErrors);
        Assert.Equal(Assert.Single(written.Sources).Value, Assert.Single(looped.Sources).Value);
    }

    [Fact]
    public void IfStatement_InForward_MG0011AtTheStatement()
        => AssertSingle(Model("""
            var h = fc1.Forward(x);
                    [|if (h.Rank > 1) h = Relu(h);|]
                    return fc2.Forward(h);
            """), "MG0011", "An 'if' statement is not supported in a model's Forward: the graph is traced once at build time, so it cannot choose a path at run time; compute the paths with Ops and combine them arithmetically (for example multiply by a 0/1 mask), or declare one model per variant");

    [Fact]
    public void ConditionalExpression_InForward_MG0011AtTheExpression()
        => AssertSingle(Model("""
            return fc2.Forward([|x.Rank > 1 ? fc1.Forward(x) : x|]);
            """), "MG0011", "A conditional expression is not supported in a model's Forward: the graph is traced once at build time, so it cannot choose a path at run time; compute the paths with Ops and combine them arithmetically (for example multiply by a 0/1 mask), or declare one model per variant");

    [Fact]
    public void GenericHelperCall_InForward_MG0012AtTheCall()
        => AssertSingle(Model("""
            return fc2.Forward([|Helper<int>(fc1.Forward(x))|]);
            """, "static Tensor Helper<T>(Tensor t) => t;"), "MG0012",
            "The call to 'Helper<int>' is not supported in a model's Forward: it has no body in this compilation that the tracer can inline (a non-generic method of a [Model] or [Module] class, or a static helper); a traced method can call only ModelGen.Ops methods and the Forward of its layer fields, so inline a helper's body or make it a layer field");

    [Fact]
    public void ForwardOfAFieldThatIsNoLayer_MG0012AtTheCall()
        => AssertSingle(Model("""
            return fc2.Forward([|inner.Forward(x)|]);
            """, "readonly Inner inner = new();\n    public sealed class Inner { public Tensor Forward(Tensor t) => t; }"), "MG0012",
            "The call to 'inner.Forward' is not supported in a model's Forward: 'inner' is not a layer field of the model (a field of a ModelGen layer type such as Linear); a traced method can call only ModelGen.Ops methods and the Forward of its layer fields, so inline a helper's body or make it a layer field");

    private const string StatementAdvice = "a traced body is a straight sequence of 'var t = ...;', 't = ...;' (or 't += ...;') and 'return ...;' over Ops calls, layer calls, tensor locals and numeric constants; move the rest out of the model";

    [Fact]
    public void TryStatement_InForward_MG0013AtTheStatement()
        => AssertSingle(Model("""
            [|try { x = Relu(x); } finally { }|]
                    return fc2.Forward(fc1.Forward(x));
            """), "MG0013", "A try statement is not supported in a model's Forward: " + StatementAdvice);

    [Fact]
    public void Lambda_InForward_MG0013AtTheLambda()
        => AssertSingle(Model("""
            var f = [|(Tensor t) => Relu(t)|];
                    return fc2.Forward(fc1.Forward(x));
            """), "MG0013", "A parenthesized lambda expression is not supported in a model's Forward: " + StatementAdvice);

    [Fact]
    public void CompoundAssignmentToALocal_Traced()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(GeneratorHarness.Usings + Model("""
            var h = fc1.Forward(x);
                    h += Relu(h);
                    return fc2.Forward(h);
            """));
        Assert.Empty(result.ModelDiagnostics);
        Assert.Contains("add", Assert.Single(result.Sources).Value, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AssignmentToAField_MG0014AtTheTarget()
        => AssertSingle(Model("""
            var h = fc1.Forward(x);
                    [|last|] = h;
                    return fc2.Forward(h);
            """, "Tensor? last;"), "MG0014",
            "Assigning to the field 'last' is not supported in a model's Forward: the compiled graph does not write the model's fields or layer state; keep intermediate values in locals ('var h = ...;') and return the result");

    [Fact]
    public void IncrementOfACounterField_MG0014AtTheTarget()
        => AssertSingle(Model("""
            [|calls|]++;
                    return fc2.Forward(fc1.Forward(x));
            """, "int calls;"), "MG0014",
            "Assigning to the field 'calls' is not supported in a model's Forward: the compiled graph does not write the model's fields or layer state; keep intermediate values in locals ('var h = ...;') and return the result");

    [Fact]
    public void MemberAccess_InForward_LeftOverMG0002()
        => AssertSingle(Model("""
            var w = [|fc1.Weight|];
                    return fc2.Forward(fc1.Forward(x));
            """), "MG0002",
            "A simple member access expression is not supported in a model's Forward: use Ops calls (Relu(x), CrossEntropy(...)), layer calls (fc1.Forward(x)), tensor locals, numeric constants and + - * /");
}
