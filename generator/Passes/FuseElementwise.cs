using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Turns chains of elementwise operators into one loop: a loop operator (add, sub, mul, div, neg, relu and the
    /// activation gradients; see <see cref="IElementwiseOperator"/>) whose operands all have its shape or are scalars
    /// absorbs each operand that is itself such a node, read by nothing else and not a root, recursively. The
    /// result is a <see cref="OpKind.FusedElementwise"/> node at the chain's last id, so readers are unchanged; the
    /// absorbed nodes are left for <see cref="EliminateDeadNodes"/>. A value the backward reads (a ReLU's output) has
    /// a second reader and stays materialised, so forward and backward both fuse without recomputation.
    /// </summary>
    internal static class FuseElementwise
    {
        public static Graph Run(Graph graph)
        {
            var builder = new GraphBuilder(graph);
            List<int>[] users = graph.Users();
            var roots = new HashSet<int>(graph.Roots);

            foreach (Node node in graph.Nodes)
            {
                if (!IsLoop(graph, node)) continue;
                var operands = new List<int>();
                var program = new List<int>();
                bool absorbed = false;
                Append(node.Id, top: true);
                if (absorbed && operands.Count <= FusedExpression.MaxOperands)
                {
                    builder.Replace(node.Id, new Node(node.Id, OpKind.FusedElementwise, operands.ToEquatableArray(), node.Shape, node.Origin)
                    {
                        Geometry = program.ToEquatableArray(),
                        Layer = node.Layer,
                    });
                }

                void Append(int id, bool top)
                {
                    Node n = graph[id];
                    bool inline = top || (IsLoop(graph, n) && users[id].Count == 1 && !roots.Contains(id) && Equals(n.Shape, node.Shape));
                    if (!inline)
                    {
                        int index = operands.IndexOf(id);
                        if (index < 0) { index = operands.Count; operands.Add(id); }
                        program.Add(index);
                        return;
                    }
                    absorbed |= !top;
                    foreach (int input in n.Inputs) Append(input, top: false);
                    program.Add(FusedExpression.Encode(n.Op));
                }
            }
            return builder.ToGraph();
        }

        /// <summary>An elementwise loop over operands of its own shape or scalars (a row-broadcast add is not one).</summary>
        private static bool IsLoop(Graph graph, Node node)
        {
            if (node.Shape.Rank == 0 || FusedExpression.TemplateOf(node.Op) == null) return false;
            foreach (int input in node.Inputs)
            {
                Shape shape = graph[input].Shape;
                if (shape.Rank != 0 && !Equals(shape, node.Shape)) return false;
            }
            return true;
        }
    }
}
