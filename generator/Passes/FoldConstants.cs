using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Computes at build time what depends on constants alone: negation and the four arithmetic operators on scalar
    /// constants become one constant (differentiation makes them: the seed 1 times a constant factor of the loss).
    /// Tracing folds what the user wrote; this folds what the passes make. A root is kept.
    /// </summary>
    internal static class FoldConstants
    {
        public static Graph Run(Graph graph) => GraphRewrite.Run(graph, (builder, node, root) =>
        {
            double? value = root ? null : Fold(builder, node);
            return builder.Add(value == null ? node : new Node(-1, OpKind.Const, EquatableArray<int>.Empty, Shape.Scalar, node.Origin) { Value = value.Value });
        });

        private static double? Fold(GraphBuilder g, Node node)
        {
            if (node.Shape.Rank != 0 || node.Inputs.Count == 0) return null;
            foreach (int input in node.Inputs)
            {
                if (g[input].Op != OpKind.Const) return null;
            }
            double a = g[node.Input(0)].Value;
            double b = node.Inputs.Count > 1 ? g[node.Input(1)].Value : 0;
            switch (node.Op)
            {
                case OpKind.Neg: return -a;
                case OpKind.Add: return a + b;
                case OpKind.Sub: return a - b;
                case OpKind.Mul: return a * b;
                case OpKind.Div: return a / b;
                default: return null;
            }
        }
    }
}
