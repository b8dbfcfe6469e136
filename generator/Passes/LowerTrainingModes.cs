using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Makes the mode-dependent layers concrete. For inference, batch norm uses the running statistics and dropout
    /// disappears. For training, batch norm computes batch statistics (moving the running ones) and applies them,
    /// and dropout multiplies by a freshly drawn mask. The graph is rebuilt in order, so it stays a schedule.
    /// </summary>
    internal static class LowerTrainingModes
    {
        public static Graph ForInference(Graph graph) => Rewrite(graph, training: false);

        public static Graph ForTraining(Graph graph) => Rewrite(graph, training: true);

        private static Graph Rewrite(Graph graph, bool training)
        {
            if (!graph.Nodes.Any(n => n.Op == OpKind.BatchNorm || n.Op == OpKind.Dropout)) return graph;
            var builder = new GraphBuilder(graph.ModelName, graph.BatchSymbol, graph.Parameters);
            var map = new int[graph.Count];
            foreach (Node node in graph.Nodes)
            {
                Node mapped = node with { Inputs = node.Inputs.Select(i => map[i]).ToEquatableArray() };
                map[node.Id] = Lower(builder, mapped, training);
            }
            builder.Outputs.AddRange(graph.Outputs.Select(o => map[o]));
            builder.Loss = graph.Loss >= 0 ? map[graph.Loss] : -1;
            builder.Reports.AddRange(graph.Reports.Select(r => map[r]));
            builder.Gradients.AddRange(graph.Gradients.Select(g => new GradientBinding(g.Parameter, map[g.Node])));
            return builder.ToGraph();
        }

        /// <summary>Adds the node's lowering and returns the id that now holds its value.</summary>
        private static int Lower(GraphBuilder builder, Node node, bool training)
        {
            switch (node.Op)
            {
                case OpKind.Dropout when !training:
                    return node.Input(0);
                case OpKind.Dropout:
                    int mask = builder.Add(new Node(-1, OpKind.DropoutMask, EquatableArray<int>.Empty, node.Shape, node.Origin) { Layer = node.Layer });
                    return builder.Add(new Node(-1, OpKind.Mul, EquatableArray.Create(node.Input(0), mask), node.Shape, node.Origin) { Layer = node.Layer });
                case OpKind.BatchNorm when !training:
                    return builder.Add(node with { Op = OpKind.BatchNormInfer });
                case OpKind.BatchNorm:
                    int channels = node.Shape[1].Size;
                    int stats = builder.Add(new Node(-1, OpKind.BatchNormStats, EquatableArray.Create(node.Input(0)), Shape.Of(Dim.Of(2), Dim.Of(channels)), node.Origin) { Layer = node.Layer });
                    return builder.Add(node with { Op = OpKind.BatchNormApply, Inputs = EquatableArray.Create(node.Input(0), stats, node.Input(1), node.Input(2)) });
                default:
                    return builder.Add(node);
            }
        }
    }
}
