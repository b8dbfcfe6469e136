using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// C = op(A)·op(B). Each operand is seen as 2-D by flattening its leading dimensions ([B, T, K] is [B·T, K]);
    /// transA/transB say the stored operand is the transpose, which the GEMM handles while packing, so no
    /// transpose is ever materialised. After fusion a third input is a bias added per column in the epilogue, and
    /// <see cref="Node.Activation"/> an activation applied there.
    /// </summary>
    internal sealed class MatMulOp : Operator
    {
        public override OpKind Kind => OpKind.MatMul;
        public override string Name => "matmul";
        public override string OpsMethod => "MatMul";
        public override SavedValues Saves => SavedValues.None.WithNames("A", "B").WithInput(0, forGradientOf: 1).WithInput(1, forGradientOf: 0);

        /// <summary>The inner dimension of op(A) and op(B), and the result shape; null when it cannot be expressed.</summary>
        public static Shape? ResultShape(Shape a, bool transA, Shape b, bool transB, out SizeExpr innerA, out SizeExpr innerB)
        {
            innerA = transA ? a.Rows : SizeExpr.Product(new[] { a.Last });
            innerB = transB ? SizeExpr.Product(new[] { b.Last }) : b.Rows;
            IEnumerable<Dim> rows = transA ? new[] { a.Last } : a.Dims.Take(a.Rank - 1);
            Dim columns;
            if (!transB) columns = b.Last;
            else if (b.Rank == 2) columns = b[0];
            else return null;
            return Shape.Of(rows.Concat(new[] { columns }));
        }

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            tracer.RequireFloat(args[0], "MatMul", call.Origin);
            tracer.RequireFloat(args[1], "MatMul", call.Origin);
            Shape a = tracer[args[0]].Shape, b = tracer[args[1]].Shape;
            if (a.Rank != 2 || b.Rank != 2)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, "MatMul", "two matrices [M, K] and [K, N]", $"{a} and {b}");
            Shape result = ResultShape(a, false, b, false, out SizeExpr innerA, out SizeExpr innerB)!;
            if (innerA != innerB || b[0].IsSymbolic || b.Last.IsSymbolic)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, "MatMul",
                    $"[M, K]·[K, N] with equal K", $"{a} and {b}, whose inner sizes differ: {tracer.Explain(a.Last, args[0])}, {tracer.Explain(b[0], args[1])}");
            return tracer.Add(new Node(-1, OpKind.MatMul, EquatableArray.Create(args), result, call.Origin));
        }

        public override void Differentiate(GradientBuilder gradients, Node node, int dC)
        {
            int a = node.Input(0), b = node.Input(1);
            bool transA = node.TransA, transB = node.TransB;
            if (gradients.NeedsGrad(a))
            {
                // dA = dC·op(B)ᵀ, or for a stored transpose dAᵀ = op(B)·dCᵀ.
                gradients.Accumulate(a, transA
                    ? MatMul(gradients, b, transB, dC, true)
                    : MatMul(gradients, dC, false, b, !transB));
            }
            if (gradients.NeedsGrad(b))
            {
                // dB = op(A)ᵀ·dC, or for a stored transpose dBᵀ = dCᵀ·op(A).
                gradients.Accumulate(b, transB
                    ? MatMul(gradients, dC, true, a, transA)
                    : MatMul(gradients, a, !transA, dC, false));
            }
            if (node.Inputs.Count > 2 && gradients.NeedsGrad(node.Input(2)))
                gradients.Accumulate(node.Input(2), dC);
        }

        private static int MatMul(GradientBuilder gradients, int a, bool transA, int b, bool transB)
        {
            Shape shape = ResultShape(gradients[a].Shape, transA, gradients[b].Shape, transB, out _, out _)
                ?? throw new System.InvalidOperationException("gradient GEMM has no expressible shape");
            return gradients.Add(new Node(-1, OpKind.MatMul, EquatableArray.Create(a, b), shape, -1) { TransA = transA, TransB = transB });
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            Shape a = context.Graph[node.Input(0)].Shape, b = context.Graph[node.Input(1)].Shape;
            ResultShape(a, node.TransA, b, node.TransB, out SizeExpr inner, out _);
            string m = node.TransA ? Format.Int(a.Last.Size) : a.Rows.ToCode(context.Batch);
            string n = Format.Int(node.Shape.Last.Size);
            string k = inner.ToCode(context.Batch);
            string bias = HasBias(node) ? ", bias: " + context.ReadSpan(node.Input(2)) : "";
            string activation = node.Activation == Epilogue.Relu ? ", activation: global::ModelGen.Kernels.Activation.Relu" : "";
            // A fused residual add: C starts as the residual and the product accumulates onto it (C never aliases an input).
            string accumulate = node.Residual ? ", accumulate: true" : "";
            if (node.Residual) context.Line($"{context.Span(node.Input(node.Inputs.Count - 1))}.CopyTo({context.Span(node.Id)});");
            // A Linear product may run int8 (CompileOptions.Quantization); the float GEMM runs when it does not.
            string? int8 = context.Int8?.FieldOf(node.Id);
            string indent = int8 == null ? "" : "    ";
            if (int8 != null) context.Line($"if ({int8} is null || !{int8}.TryForward({m}, {context.Span(node.Input(0))}, {context.Span(node.Id)}))");
            // A weight of Forward is packed once (CompileOptions.PrepackWeights); Current() repacks it after a change.
            Node weight = context.Graph[node.Input(1)];
            string? packed = weight.Op == OpKind.Param ? context.Packed?.FieldOf(weight.Index, node.TransB) : null;
            context.Line($"{indent}global::ModelGen.Kernels.Gemm.{(packed == null ? "Multiply" : "MultiplyPacked")}({m}, {n}, {k},");
            context.Line($"{indent}    {context.ReadSpan(node.Input(0))}, {Format.Int(a.Last.Size)}, {Bool(node.TransA)},");
            context.Line($"{indent}    {context.ReadSpan(node.Input(1))}, {Format.Int(b.Last.Size)}, {Bool(node.TransB)},"
                + (packed == null ? "" : $" {packed}?.Current(),"));
            context.Line($"{indent}    {context.Span(node.Id)}, {n}{accumulate}{bias}{activation});");
        }

        private static string Bool(bool value) => value ? "true" : "false";

        /// <summary>
        /// Whether a (fused) product carries a bias: its inputs are A, B, then the bias if any, then the residual
        /// when <see cref="Node.Residual"/>.
        /// </summary>
        public static bool HasBias(Node node) => node.Inputs.Count > (node.Residual ? 3 : 2);

        /// <summary>
        /// Whether a product of the inference graph can run as an int8 GEMM (CompileOptions.Quantization): a Linear
        /// layer's x·Wᵀ whose weight (and fused bias) are parameters and whose epilogue is none or ReLU.
        /// </summary>
        public static bool RunsInt8(Graph graph, Node node)
            => node.Op == OpKind.MatMul && node.Layer.Length > 0 && node.TransB && !node.TransA
               && graph[node.Input(1)].Op == OpKind.Param && graph[node.Input(1)].Shape.Rank == 2
               && (node.Inputs.Count == 2 || graph[node.Input(2)].Op == OpKind.Param)
               && !node.Residual // the int8 epilogue writes C; it has no residual to accumulate onto
               && (node.Activation == Epilogue.None || node.Activation == Epilogue.Relu);
    }
}
