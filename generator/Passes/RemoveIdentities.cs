using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Drops operations that return their operand unchanged: x·1, 1·x, x+0, 0+x, x−0, x/1, a reshape to the
    /// operand's own shape, and the first of two reshapes in a row (reshape of reshape reads the original). Inference
    /// dropout is already gone (<see cref="LowerTrainingModes"/> lowers it to its input). A root is kept.
    /// </summary>
    internal static class RemoveIdentities
    {
        public static Graph Run(Graph graph) => GraphRewrite.Run(graph, (builder, node, root) =>
        {
            if (node.Op == OpKind.Reshape && builder[node.Input(0)].Op == OpKind.Reshape)
                node = node with { Inputs = builder[node.Input(0)].Inputs };
            int same = root ? -1 : IdentityOperand(builder, node);
            return same >= 0 ? same : builder.Add(node);
        });

        /// <summary>The input the node returns unchanged, or -1.</summary>
        private static int IdentityOperand(GraphBuilder g, Node node)
        {
            switch (node.Op)
            {
                case OpKind.Reshape:
                    return Equals(g[node.Input(0)].Shape, node.Shape) ? node.Input(0) : -1;
                case OpKind.Mul:
                    return Unchanged(g, node, node.Input(0), node.Input(1), 1) ?? Unchanged(g, node, node.Input(1), node.Input(0), 1) ?? -1;
                case OpKind.Add:
                    return Unchanged(g, node, node.Input(0), node.Input(1), 0) ?? Unchanged(g, node, node.Input(1), node.Input(0), 0) ?? -1;
                case OpKind.Sub:
                    return Unchanged(g, node, node.Input(0), node.Input(1), 0) ?? -1;
                case OpKind.Div:
                    return Unchanged(g, node, node.Input(0), node.Input(1), 1) ?? -1;
                default:
                    return -1;
            }
        }

        /// <summary><paramref name="x"/> when the other operand is the constant <paramref name="neutral"/> and x has the result's shape.</summary>
        private static int? Unchanged(GraphBuilder g, Node node, int x, int other, double neutral)
            => g[other].Op == OpKind.Const && g[other].Value == neutral && Equals(g[x].Shape, node.Shape) ? x : (int?)null;
    }
}
