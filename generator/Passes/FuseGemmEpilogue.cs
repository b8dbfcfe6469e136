using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Folds what consumes a GEMM's or a convolution's result into its epilogue, so the result is written once:
    /// a bias add (GEMM), a residual add of a same-shaped value (GEMM: the residual is copied into C and the product
    /// accumulated onto it), then a ReLU (GEMM, and convolution per image while it is in cache). Only a producer read
    /// by nothing else and not a root is absorbed. The fused node takes the consumer's id, so later readers (a ReLU's
    /// gradient reads its output) are unchanged; the absorbed node is left for <see cref="EliminateDeadNodes"/>.
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
                    foreach ((int gemm, int other) in new[] { (node.Input(0), node.Input(1)), (node.Input(1), node.Input(0)) })
                    {
                        Node m = builder[gemm];
                        if (m.Op != OpKind.MatMul || m.Activation != Epilogue.None || m.Residual || !SoleUse(gemm, node.Id) || !Equals(m.Shape, node.Shape)) continue;
                        Shape b = builder[other].Shape;
                        bool bias = m.Inputs.Count == 2 && b.Rank == 1 && b.Last == m.Shape.Last;
                        bool residual = !bias && Equals(b, m.Shape);
                        if (!bias && !residual) continue;
                        builder.Replace(node.Id, m with { Inputs = m.Inputs.Concat(new[] { other }).ToEquatableArray(), Residual = residual, Origin = node.Origin });
                        break;
                    }
                }
                else if (node.Op == OpKind.Relu)
                {
                    Node m = builder[node.Input(0)];
                    if ((m.Op == OpKind.MatMul || m.Op == OpKind.Conv2d) && m.Activation == Epilogue.None && SoleUse(m.Id, node.Id))
                        builder.Replace(node.Id, m with { Activation = Epilogue.Relu, Origin = node.Origin });
                }
            }
            return builder.ToGraph();
        }
    }
}
