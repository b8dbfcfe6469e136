using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;
using ModelGen.Generator.Passes;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// Each pruning and fusion pass on a small hand-built graph: the printed IR before and after, and the verifier on
/// the result. Graphs are built directly, so each test shows exactly the pattern its pass rewrites.
/// </summary>
public class PassTests
{
    private static readonly Dim B = Dim.Named("B");

    /// <summary>A graph under construction with an input x [B, 4] and parameters w [3, 4], b [3], v [3].</summary>
    private sealed class Sketch
    {
        public readonly GraphBuilder G = new("M", "B", new[]
        {
            new ParameterInfo("w", "w", Shape.Of(Dim.Of(3), Dim.Of(4)), ""),
            new ParameterInfo("b", "b", Shape.Of(Dim.Of(3)), ""),
            new ParameterInfo("v", "v", Shape.Of(Dim.Of(3)), ""),
        });

        public int X => 0;

        public Sketch() => G.Add(new Node(-1, OpKind.Input, EquatableArray<int>.Empty, Shape.Of(B, Dim.Of(4)), -1) { Name = "x" });

        public int Param(int index) => G.Add(new Node(-1, OpKind.Param, EquatableArray<int>.Empty, G.Parameters[index].Shape, -1) { Name = G.Parameters[index].Name, Index = index });

        public int Const(double value) => G.Add(new Node(-1, OpKind.Const, EquatableArray<int>.Empty, Shape.Scalar, -1) { Value = value });

        public int Op(OpKind op, Shape shape, params int[] inputs) => G.Add(op, shape, -1, inputs);

        /// <summary>An elementwise node: the shape of its first non-scalar operand.</summary>
        public int Op(OpKind op, params int[] inputs)
            => G.Add(op, inputs.Select(i => G[i].Shape).FirstOrDefault(x => x.Rank > 0) ?? Shape.Scalar, -1, inputs);

        public int Linear(int x, int w) => G.Add(new Node(-1, OpKind.MatMul, EquatableArray.Create(x, w), Shape.Of(B, Dim.Of(3)), -1) { TransB = true });

        public Graph Output(int id)
        {
            G.Outputs.Add(id);
            return G.ToGraph();
        }
    }

    private static void AssertPass(System.Func<Graph, Graph> pass, Graph before, string expected)
    {
        GraphVerifier.Verify(before);
        Graph after = pass(before);
        GraphVerifier.Verify(after);
        Assert.Equal(expected.Replace("\r\n", "\n"), GraphPrinter.Print(EliminateDeadNodes.Run(after)));
    }

    [Fact]
    public void RemoveIdentities_NeutralOperandsAndReshapeChains_ReadTheOperand()
    {
        var s = new Sketch();
        int one = s.Const(1), zero = s.Const(0);
        int t = s.Op(OpKind.Tanh, s.X);
        int m = s.Op(OpKind.Mul, one, t);                                          // 1·x
        int a = s.Op(OpKind.Add, m, zero);                                         // x+0
        int d = s.Op(OpKind.Div, s.Op(OpKind.Sub, a, zero), one);                  // (x−0)/1
        int r = s.Op(OpKind.Reshape, Shape.Of(B, Dim.Of(2), Dim.Of(2)), d);
        int rr = s.Op(OpKind.Reshape, Shape.Of(B, Dim.Of(4)), r);                  // reshape of reshape, back to x's shape
        int y = s.Op(OpKind.Relu, rr);
        AssertPass(RemoveIdentities.Run, s.Output(s.Op(OpKind.Mul, y, one)), """
            graph M (batch B)
              %0 = input x : [B, 4]
              %1 = const 1 : []
              %2 = tanh %0 : [B, 4]
              %3 = relu %2 : [B, 4]
              %4 = mul %3, %1 : [B, 4]
              output %4

            """.Replace("            ", ""));
    }

    [Fact]
    public void FoldConstants_ArithmeticOnConstants_BecomesOneConstant()
    {
        var s = new Sketch();
        int k = s.Op(OpKind.Mul, s.Const(2), s.Op(OpKind.Neg, s.Const(0.25)));
        AssertPass(FoldConstants.Run, s.Output(s.Op(OpKind.Mul, Shape.Of(B, Dim.Of(4)), s.X, k)), """
            graph M (batch B)
              %0 = input x : [B, 4]
              %1 = const -0.5 : []
              %2 = mul %0, %1 : [B, 4]
              output %2

            """.Replace("            ", ""));
    }

    [Fact]
    public void EliminateCommonSubexpressions_EqualNodes_AreComputedOnce()
    {
        var s = new Sketch();
        int t1 = s.Op(OpKind.Tanh, s.X), t2 = s.Op(OpKind.Tanh, s.X);
        int c1 = s.Const(3), c2 = s.Const(3);
        int y = s.Op(OpKind.Add, s.Op(OpKind.Mul, t1, c1), s.Op(OpKind.Mul, t2, c2));
        AssertPass(EliminateCommonSubexpressions.Run, s.Output(y), """
            graph M (batch B)
              %0 = input x : [B, 4]
              %1 = tanh %0 : [B, 4]
              %2 = const 3 : []
              %3 = mul %1, %2 : [B, 4]
              %4 = add %3, %3 : [B, 4]
              output %4

            """.Replace("            ", ""));
    }

    [Fact]
    public void EliminateCommonSubexpressions_DropoutMasks_StayDistinct()
    {
        var s = new Sketch();
        int m1 = s.G.Add(new Node(-1, OpKind.DropoutMask, EquatableArray<int>.Empty, Shape.Of(B, Dim.Of(4)), -1) { Layer = "drop" });
        int m2 = s.G.Add(new Node(-1, OpKind.DropoutMask, EquatableArray<int>.Empty, Shape.Of(B, Dim.Of(4)), -1) { Layer = "drop" });
        Graph g = s.Output(s.Op(OpKind.Add, s.Op(OpKind.Mul, s.X, m1), s.Op(OpKind.Mul, s.X, m2)));
        Assert.Equal(g, EliminateCommonSubexpressions.Run(g));
    }

    [Fact]
    public void FuseElementwise_Chain_BecomesOneLoopButKeepsValuesReadTwice()
    {
        var s = new Sketch();
        int t = s.Op(OpKind.Tanh, s.X);                                  // a runtime kernel: an operand, not absorbed
        int shared = s.Op(OpKind.Relu, t);                               // read twice: stays materialised
        int chain = s.Op(OpKind.Sub, s.Op(OpKind.Mul, shared, s.Const(0.5)), t);
        int y = s.Op(OpKind.Add, s.Op(OpKind.Neg, chain), shared);
        AssertPass(FuseElementwise.Run, s.Output(y), """
            graph M (batch B)
              %0 = input x : [B, 4]
              %1 = tanh %0 : [B, 4]
              %2 = relu %1 : [B, 4]
              %3 = const 0.5 : []
              %4 = fused %2, %3, %1 {(neg((($0 * $1) - $2)) + $0)} : [B, 4]
              output %4

            """.Replace("            ", ""));
    }

    [Fact]
    public void FuseGemmEpilogue_BiasResidualAndRelu_AreOneGemm()
    {
        var s = new Sketch();
        int w = s.Param(0), b = s.Param(1);
        int residual = s.Op(OpKind.Tanh, Shape.Of(B, Dim.Of(3)), s.Linear(s.X, w));
        int sum = s.Op(OpKind.Add, s.Op(OpKind.Add, s.Linear(s.X, w), b), residual);
        AssertPass(FuseGemmEpilogue.Run, s.Output(s.Op(OpKind.Relu, sum)), """
            graph M (batch B)
              %0 = input x : [B, 4]
              %1 = param w : [3, 4]
              %2 = param b : [3]
              %3 = matmul %0, %1 transB : [B, 3]
              %4 = tanh %3 : [B, 3]
              %5 = matmul %0, %1, %2, %4 transB +bias +residual +relu : [B, 3]
              output %5

            """.Replace("            ", ""));
    }

    [Fact]
    public void FoldBatchNorm_AfterLinear_ScalesWeightAndBias()
    {
        var s = new Sketch();
        int w = s.Param(0), b = s.Param(1), gamma = s.Param(2), beta = s.Param(1);
        int linear = s.Op(OpKind.Add, s.Linear(s.X, w), b);
        int norm = s.G.Add(new Node(-1, OpKind.BatchNormInfer, EquatableArray.Create(linear, gamma, beta), Shape.Of(B, Dim.Of(3)), -1) { Layer = "bn" });
        AssertPass(FoldBatchNorm.Run, s.Output(s.Op(OpKind.Relu, norm)), """
            graph M (batch B)
              %0 = input x : [B, 4]
              %1 = param w : [3, 4]
              %2 = param b : [3]
              %3 = param v : [3]
              %4 = param b : [3]
              %5 = fold_batch_norm_bias %3, %4, %2 : [3]  @bn
              %6 = fold_batch_norm_weight %1, %3 : [3, 4]  @bn
              %7 = matmul %0, %6 transB : [B, 3]
              %8 = add %7, %5 : [B, 3]
              %9 = relu %8 : [B, 3]
              output %9

            """.Replace("            ", ""));
    }

    [Fact]
    public void Pipeline_WithoutFusion_KeepsEveryOperator()
    {
        var (traced, _) = GraphTracer.Trace(SnapshotTests.SpecOf(TestModels.MnistMlp), default);
        CompiledGraphs compiled = Pipeline.Run(traced!, default);
        Graph plain = compiled.Forward.For(PassSwitch.All & ~PassSwitch.Fusion);
        Assert.DoesNotContain(plain.Nodes, n => n.Activation != Epilogue.None || n.Op == OpKind.FusedElementwise);
        Assert.Contains(compiled.Inference.Nodes, n => n.Activation == Epilogue.Relu);
    }
}
