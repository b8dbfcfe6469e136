using System.Collections.Generic;
using System.Threading;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;
using ModelGen.Generator.Ops;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Reverse-mode differentiation at build time: walks the forward nodes from the loss backwards and appends each
    /// operator's gradient rule. Only values that lead to a parameter get a gradient, so nothing is computed for the
    /// input data or the labels. Each parameter's gradient ends in a node of its own, written into Parameter.Grad.
    /// </summary>
    internal static class Differentiate
    {
        public static Graph Run(Graph graph, CancellationToken cancellation)
        {
            if (graph.Loss < 0) return graph;
            var builder = new GraphBuilder(graph);
            var gradients = new GradientBuilder(builder, NeedsGrad(graph));
            gradients.Seed(graph.Loss, builder.Add(new Node(-1, OpKind.Const, EquatableArray<int>.Empty, Shape.Scalar, -1) { Value = 1 }));

            for (int id = graph.Loss; id >= 0; id--)
            {
                cancellation.ThrowIfCancellationRequested();
                if (gradients.TryGetGradient(id, out int gradient))
                    OperatorTable.Of(graph[id].Op).Differentiate(gradients, graph[id], gradient);
            }

            var owned = new HashSet<int>();
            foreach (Node node in graph.Nodes)
            {
                if (node.Op != OpKind.Param || !gradients.TryGetGradient(node.Id, out int gradient)) continue;
                // A gradient buffer is the parameter's own: a value that is shared, or that is not a backward result, is copied.
                if (gradient < graph.Count || !owned.Add(gradient))
                    gradient = builder.Add(new Node(-1, OpKind.Copy, EquatableArray.Create(gradient), node.Shape, -1));
                builder.Gradients.Add(new GradientBinding(node.Index, gradient));
            }
            return builder.ToGraph();
        }

        private static bool[] NeedsGrad(Graph graph)
        {
            var needs = new bool[graph.Count];
            foreach (Node node in graph.Nodes)
            {
                if (node.Op == OpKind.Param) { needs[node.Id] = true; continue; }
                foreach (int input in node.Inputs) needs[node.Id] |= needs[input];
            }
            return needs;
        }
    }
}
