using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Folds a bias add and then a ReLU that consume a GEMM's result into the GEMM's epilogue, so the result is
    /// written once, already biased and activated. A GEMM read by anything else (or a root) is left alone. The
    /// fused node takes the consumer's id, so later readers (a ReLU's gradient reads its output) are unchanged.
    /// </summary>
    internal static class FuseGemmEpilogue
    {
        public static Graph Run(Graph graph)
        {
            var builder = new GraphBuilder(graph);
            List<int>[] users = graph.Users();
            var roots = new HashSet<int>(graph.Roots);
            bool SoleUse(int producer, int consumer) => users[producer].Count == 1 && users[producer][0] == consumer && !roots.Contains(producer);

            foreach (Node node in graph.Nodes)
            {
                if (node.Op == OpKind.Add)
                {
                    foreach ((int gemm, int bias) in new[] { (node.Input(0), node.Input(1)), (node.Input(1), node.Input(0)) })
                    {
                        Node m = builder[gemm];
                        if (m.Op != OpKind.MatMul || m.Inputs.Count != 2 || m.Activation != Epilogue.None || !SoleUse(gemm, node.Id)) continue;
                        Shape b = builder[bias].Shape;
                        if (b.Rank != 1 || b.Last != m.Shape.Last || !Equals(m.Shape, node.Shape)) continue;
                        builder.Replace(node.Id, m with { Inputs = m.Inputs.Concat(new[] { bias }).ToEquatableArray(), Origin = node.Origin });
                        break;
                    }
                }
                else if (node.Op == OpKind.Relu)
                {
                    Node m = builder[node.Input(0)];
                    if (m.Op == OpKind.MatMul && m.Activation == Epilogue.None && SoleUse(m.Id, node.Id))
                        builder.Replace(node.Id, m with { Activation = Epilogue.Relu, Origin = node.Origin });
                }
            }
            return builder.ToGraph();
        }
    }
}
