using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>Diagnostics of composed models: each at the exact span inside the block, naming the instance and the call that led there.</summary>
public class CompositionDiagnosticsTests
{
    /// <summary>One error at the span, and no source for the model M (its blocks still get theirs).</summary>
    private static void AssertSingle(string markedSource, string id, string message)
        => Assert.DoesNotContain(GeneratorHarness.AssertSingleError(markedSource, id, message).Sources.Keys, k => k.StartsWith("M.", StringComparison.Ordinal));

    private const string Block = """
        [Module]
        public sealed partial class Block(int width)
        {
            readonly Linear fc = new(width, width);

            public Tensor Forward(Tensor x) => Relu([|fc.Forward(x)|]);
        }

        """;

    [Fact]
    public void ShapeErrorInsideABlock_MG0001NamesTheInstanceAndTheCall()
        => AssertSingle(Block + """
            [Model]
            public sealed partial class M
            {
                readonly Block[] blocks = [new(8), new(8), new(6)];

                public Tensor Forward([Shape("B", 8)] Tensor x)
                {
                    foreach (var block in blocks) x = block.Forward(x);
                    return x;
                }
            }
            """, "MG0001", "blocks.2.fc expects 6 input features but receives [B, 8]: 8 is blocks.1.fc's output (line 8) (called from Forward, line 17)");

    [Fact]
    public void RecursiveHelper_MG0016AtTheInnerCall()
        => AssertSingle("""
            [Model]
            public sealed partial class M
            {
                readonly Linear fc = new(4, 4);

                public Tensor Forward([Shape("B", 4)] Tensor x) => Deep(x);

                private Tensor Deep(Tensor h) => [|Deep(Relu(fc.Forward(h)))|];
            }
            """, "MG0016", "The call to 'Deep' cannot be traced: M.Deep calls itself, directly or through other methods; calls are inlined at build time, so recursion has no end (unroll it with a constant-bound loop)");

    [Fact]
    public void LayerListOfUnknownLength_MG0017AtTheField()
        => AssertSingle("""
            [Model]
            public sealed partial class M
            {
                readonly Linear[] [|layers = Make()|];

                static Linear[] Make() => [new(4, 4)];

                public Tensor Forward([Shape("B", 4)] Tensor x) => x;
            }
            """, "MG0017", "The layer list 'layers' cannot be traced: its length must be known at build time: use '[new(...), new(...)]', 'new T[] { ... }', 'new T[n]' filled by a constant-bound loop, or 'Enumerable.Range(0, n).Select(i => new T(...)).ToArray()'");

    [Fact]
    public void BlockArgumentNotKnownAtBuildTime_MG0015AtTheArgument()
        => AssertSingle(Block.Replace("[|", "").Replace("|]", "") + """
            [Model]
            public sealed partial class M
            {
                static int width = 8;
                readonly Block block = new([|width|]);

                public Tensor Forward([Shape("B", 8)] Tensor x) => block.Forward(x);
            }
            """, "MG0015", "Layer 'block': argument 'width' must be a compile-time constant so shapes are known at build time; use a literal or a const field (e.g. 'const int Hidden = 128;')");

    [Fact]
    public void ComposedModel_GeneratesCodeThatCompiles()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(GeneratorHarness.Usings + Block.Replace("[|", "").Replace("|]", "") + """
            [Model]
            public sealed partial class M
            {
                readonly Block[] blocks = [new(8), new(8)];
                readonly Linear head = new(8, 2);

                public (Tensor Logits, Tensor Features) Forward([Shape("B", 8)] Tensor x, [Shape("B", 8)] Tensor y)
                {
                    var h = x + y;
                    for (int i = 0; i < blocks.Length; i++) h = blocks[i].Forward(h);
                    return (head.Forward(h), h);
                }

                [Loss]
                public Tensor Loss((Tensor Logits, Tensor Features) output, [Shape("B")] Tensor labels) => CrossEntropy(output.Logits, labels);
            }
            """);
        Assert.Empty(result.ModelDiagnostics);
        Assert.Empty(result.CompilationErrors);
        Assert.Contains("public (global::ModelGen.Tensor Logits, global::ModelGen.Tensor Features) Forward(global::ModelGen.Tensor x, global::ModelGen.Tensor y)", result.Sources["M.g.cs"]);
        Assert.Contains("public float TrainStep(global::ModelGen.Tensor x, global::ModelGen.Tensor y, global::ModelGen.Tensor labels, global::ModelGen.Optim.IOptimizer optimizer)", result.Sources["M.g.cs"]);
        Assert.Contains("@blocks.1.fc", result.Sources["M.g.cs"]);
    }

    [Fact]
    public void TrainStep_OnAModelWithoutLoss_ErrorAtTheCallNamesTheMissingLoss()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(GeneratorHarness.Usings + """
            [Model]
            public sealed partial class M
            {
                readonly Linear fc = new(4, 2);

                public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);
            }

            public static class Use
            {
                public static float Train(M model, Tensor x, Tensor y, ModelGen.Optim.IOptimizer optimizer) => model.Compile().TrainStep(x, y, optimizer);
            }
            """);
        Assert.Empty(result.ModelDiagnostics);
        Diagnostic error = Assert.Single(result.CompilationErrors);
        Assert.Equal("CS0619", error.Id);
        Assert.Contains("M has no [Loss] method, so it cannot be trained", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("g.cs", error.Location.SourceTree?.FilePath ?? "");
    }

    [Fact]
    public void InputWithoutBatch_InATrainedModel_MG0004AtTheInput()
        => AssertSingle("""
            [Model]
            public sealed partial class M
            {
                readonly Linear fc = new(4, 2);

                public Tensor Forward([|[Shape(4)] Tensor x|]) => fc.Forward(x);

                [Loss]
                public Tensor Loss(Tensor output, [Shape(2)] Tensor target) => MseLoss(output, target);
            }
            """, "MG0004", "Invalid [Shape] on 'x': a model with a [Loss] trains on batches, so an input needs a named leading (batch) dimension, e.g. [Shape(\"B\", 784)]");
}
