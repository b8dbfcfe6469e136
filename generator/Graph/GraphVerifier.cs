using System.Linq;
using System;
using ModelGen.Generator.Emit;
using ModelGen.Generator.Ops;

namespace ModelGen.Generator.IR
{
    /// <summary>
    /// Checks the invariants every pass must keep: ids are positions, inputs come earlier (the list is a schedule),
    /// operand shapes fit each operator, roots exist, the loss is a scalar and every gradient has its parameter's shape.
    /// A violation is a compiler bug and surfaces as MG9999.
    /// </summary>
    internal static class GraphVerifier
    {
        public static void Verify(Graph graph)
        {
            for (int id = 0; id < graph.Count; id++)
            {
                Node node = graph[id];
                Check(node.Activation == Epilogue.None || node.Op == OpKind.MatMul || node.Op == OpKind.Conv2d, node, "only a GEMM or a convolution has an epilogue");
                Check(!node.Residual || node.Op == OpKind.MatMul, node, "only a GEMM adds a residual");
                Check(node.Id == id, node, "id is not its position");
                foreach (int input in node.Inputs) Check(input >= 0 && input < id, node, $"input %{input} is not an earlier node");
                CheckShapes(graph, node);
            }
            Check(graph.Outputs.Count > 0, null, "the graph has no output");
            foreach (int output in graph.Outputs) Check(output >= 0 && output < graph.Count, null, "an output is not a node");
            Check(graph.Outputs.Distinct().Count() == graph.Outputs.Count, null, "two outputs are one node; the tracer copies a repeated output");
            foreach (int report in graph.Reports) Check(report >= 0 && report < graph.Count && graph[report].Shape.Rank == 0, null, "a reported loss term is not a scalar node");
            if (graph.Loss >= 0) Check(graph.Loss < graph.Count && graph[graph.Loss].Shape.Rank == 0, null, "the loss is not a scalar node");
            foreach (GradientBinding g in graph.Gradients)
            {
                Check(g.Node >= 0 && g.Node < graph.Count, null, $"the gradient of parameter {g.Parameter} is not a node");
                Check(Equals(graph[g.Node].Shape, graph.Parameters[g.Parameter].Shape), graph[g.Node], $"gradient shape differs from {graph.Parameters[g.Parameter].Name}");
            }
        }

        private static void CheckShapes(Graph graph, Node node)
        {
            switch (node.Op)
            {
                case OpKind.MatMul:
                    Shape? shape = MatMulOp.ResultShape(graph[node.Input(0)].Shape, node.TransA, graph[node.Input(1)].Shape, node.TransB, out var innerA, out var innerB);
                    Check(innerA == innerB, node, $"inner dimensions differ ({innerA} vs {innerB})");
                    Check(Equals(shape, node.Shape), node, $"shape {node.Shape} is not the product's {shape}");
                    int operands = node.Inputs.Count - (node.Residual ? 1 : 0);
                    Check(operands == 2 || operands == 3, node, "a GEMM takes two operands and an optional bias");
                    if (operands > 2) Check(graph[node.Input(2)].Shape.Rank == 1 && graph[node.Input(2)].Shape.Last == node.Shape.Last, node, "bias does not match the columns");
                    if (node.Residual) Check(Equals(graph[node.Input(node.Inputs.Count - 1)].Shape, node.Shape), node, "the residual does not have the result's shape");
                    break;
                case OpKind.FusedElementwise:
                    foreach (int input in node.Inputs)
                        Check(Equals(graph[input].Shape, node.Shape) || graph[input].Shape.Rank == 0, node, $"fused operand %{input} is neither full-sized nor a scalar");
                    Check(FusedExpression.Validate(node.Geometry, node.Inputs.Count), node, "the fused expression is malformed");
                    break;
                case OpKind.FoldBatchNormBias:
                    Check(node.Shape.Rank == 1 && node.Inputs.Count >= 2 && Equals(graph[node.Input(0)].Shape, node.Shape) && Equals(graph[node.Input(1)].Shape, node.Shape), node, "the folded bias does not have one value per output");
                    break;
                case OpKind.FoldBatchNormWeight:
                    Check(Equals(graph[node.Input(0)].Shape, node.Shape) && graph[node.Input(1)].Shape.Rank == 1 && graph[node.Input(1)].Shape[0] == node.Shape[0], node, "the folded weight has neither its weight's shape nor one scale per output");
                    break;
                case OpKind.Add: case OpKind.Sub: case OpKind.Mul: case OpKind.Div:
                    Check(Equals(BinaryOp.Broadcast(graph[node.Input(0)].Shape, graph[node.Input(1)].Shape, out _), node.Shape), node, "shape is not the broadcast of its operands");
                    break;
                case OpKind.Relu: case OpKind.Sigmoid: case OpKind.Tanh: case OpKind.Neg: case OpKind.Copy:
                    Check(Equals(graph[node.Input(0)].Shape, node.Shape), node, "elementwise shape differs from its input");
                    break;
                case OpKind.ReluGrad: case OpKind.SigmoidGrad: case OpKind.TanhGrad:
                    Check(Equals(graph[node.Input(0)].Shape, node.Shape) && Equals(graph[node.Input(1)].Shape, node.Shape), node, "gradient operands differ in shape");
                    break;
                case OpKind.CrossEntropy: case OpKind.MseLoss: case OpKind.Sum: case OpKind.Mean:
                    Check(node.Shape.Rank == 0, node, "a loss or reduction must be a scalar");
                    break;
            }
        }

        private static void Check(bool condition, Node? node, string message)
        {
            if (!condition) throw new InvalidOperationException(node == null ? $"graph invalid: {message}" : $"graph invalid at %{node.Id} ({node.Op}): {message}");
        }
    }
}
