using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// The loop the pruning passes share: rebuilds a graph in schedule order, letting a rule replace each node by an
    /// earlier value (an alias) or by new nodes, and remaps the roots. Roots are never aliased away, so the output,
    /// the loss and every parameter's gradient keep a node of their own (a gradient must own its buffer): a rule is
    /// told when it rewrites a root and must then add a node.
    /// </summary>
    internal static class GraphRewrite
    {
        /// <summary>
        /// <paramref name="rule"/> sees the builder and the node with its inputs already remapped (its Id is still the
        /// original one, for looking up the original graph), and whether the node is a root; it returns the id that now holds the node's value (usually <c>builder.Add(node)</c>).
        /// </summary>
        public static Graph Run(Graph graph, Func<GraphBuilder, Node, bool, int> rule)
        {
            var roots = new HashSet<int>(graph.Roots);
            var builder = new GraphBuilder(graph.ModelName, graph.BatchSymbol, graph.Parameters);
            var map = new int[graph.Count];
            foreach (Node node in graph.Nodes)
            {
                Node mapped = node with { Inputs = node.Inputs.Select(i => map[i]).ToEquatableArray() };
                map[node.Id] = rule(builder, mapped, roots.Contains(node.Id));
            }
            builder.Outputs.AddRange(graph.Outputs.Select(o => map[o]));
            builder.Loss = graph.Loss >= 0 ? map[graph.Loss] : -1;
            builder.Reports.AddRange(graph.Reports.Select(r => map[r]));
            builder.Gradients.AddRange(graph.Gradients.Select(g => new GradientBinding(g.Parameter, map[g.Node])));
            return builder.ToGraph();
        }
    }
}
