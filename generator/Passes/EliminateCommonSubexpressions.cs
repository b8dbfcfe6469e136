using System.Collections.Generic;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Computes each distinct value once: a node equal to an earlier one (same operator, inputs and attributes; only
    /// its id and source location may differ) is replaced by it. Not merged: nodes with effects (a dropout mask draws
    /// fresh numbers, batch statistics move the running ones) and copies, which exist to give a gradient its own
    /// buffer. A root is kept.
    /// </summary>
    internal static class EliminateCommonSubexpressions
    {
        public static Graph Run(Graph graph)
        {
            var seen = new Dictionary<Node, int>();
            return GraphRewrite.Run(graph, (builder, node, root) =>
            {
                if (!Pure(node.Op)) return builder.Add(node);
                Node key = node with { Id = -1, Origin = -1 };
                if (!root && seen.TryGetValue(key, out int earlier)) return earlier;
                int id = builder.Add(node);
                if (!seen.ContainsKey(key)) seen[key] = id;
                return id;
            });
        }

        private static bool Pure(OpKind op)
            => op != OpKind.DropoutMask && op != OpKind.RandnLike && op != OpKind.BatchNormStats && op != OpKind.Copy
            && op != OpKind.Input && op != OpKind.Label;
    }
}
