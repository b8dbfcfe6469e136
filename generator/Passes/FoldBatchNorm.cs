using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// Inference only: folds a batch norm on running statistics into the convolution or linear layer before it, whose
    /// output nothing else reads. The layer then runs on folded copies of its weight and bias
    /// (<see cref="OpKind.FoldBatchNormWeight"/>, <see cref="OpKind.FoldBatchNormBias"/>), and the pass over the
    /// activations that batch norm made disappears. The copies are made from the current statistics every Forward,
    /// because training moves them; the training graph normalises with batch statistics and is never folded.
    /// </summary>
    internal static class FoldBatchNorm
    {
        public static Graph Run(Graph graph)
        {
            var users = graph.Users();
            var roots = new System.Collections.Generic.HashSet<int>(graph.Roots);
            return GraphRewrite.Run(graph, (builder, node, root) =>
            {
                if (node.Op != OpKind.BatchNormInfer) return builder.Add(node);
                // Uses are counted in the original graph (node.Id is still the original id); inputs are already remapped.
                int producer = graph[node.Id].Input(0);
                if (users[producer].Count != 1 || roots.Contains(producer)) return builder.Add(node);
                Node p = builder[node.Input(0)];
                int gamma = node.Input(1), beta = node.Input(2);

                if (p.Op == OpKind.Conv2d && p.Activation == Epilogue.None)
                {
                    int bias = Bias(builder, node, gamma, beta, p.Inputs.Count > 2 ? p.Input(2) : -1);
                    int weight = Weight(builder, node, p.Input(1), gamma);
                    return builder.Add(p with { Inputs = EquatableArray.Create(p.Input(0), weight, bias), Origin = node.Origin });
                }
                // A linear layer: x·Wᵀ on [N, features], with or without its bias add.
                Node gemm = p.Op == OpKind.Add && builder[p.Input(0)].Op == OpKind.MatMul && builder[p.Input(1)].Op == OpKind.Param ? builder[p.Input(0)] : p;
                bool withBias = !ReferenceEquals(gemm, p);
                if (gemm.Op != OpKind.MatMul || !IsLinear(builder, gemm, node) || (withBias && users[graph[producer].Input(0)].Count != 1)) return builder.Add(node);
                int foldedBias = Bias(builder, node, gamma, beta, withBias ? p.Input(1) : -1);
                int foldedWeight = Weight(builder, node, gemm.Input(1), gamma);
                int product = builder.Add(gemm with { Inputs = EquatableArray.Create(gemm.Input(0), foldedWeight), Origin = node.Origin });
                return builder.Add(new Node(-1, OpKind.Add, EquatableArray.Create(product, foldedBias), node.Shape, node.Origin) { Layer = gemm.Layer });
            });
        }

        /// <summary>x·Wᵀ with W a [features, in] parameter and a rank-2 result whose columns are the normalised channels.</summary>
        private static bool IsLinear(GraphBuilder g, Node gemm, Node norm)
            => gemm.Inputs.Count == 2 && gemm.TransB && !gemm.TransA && gemm.Activation == Epilogue.None && !gemm.Residual
            && g[gemm.Input(1)].Op == OpKind.Param && norm.Shape.Rank == 2 && Equals(gemm.Shape, norm.Shape);

        private static int Weight(GraphBuilder g, Node norm, int weight, int gamma)
            => g.Add(new Node(-1, OpKind.FoldBatchNormWeight, EquatableArray.Create(weight, gamma), g[weight].Shape, norm.Origin) { Layer = norm.Layer });

        private static int Bias(GraphBuilder g, Node norm, int gamma, int beta, int bias)
            => g.Add(new Node(-1, OpKind.FoldBatchNormBias, bias >= 0 ? EquatableArray.Create(gamma, beta, bias) : EquatableArray.Create(gamma, beta), g[beta].Shape, norm.Origin) { Layer = norm.Layer });
    }
}
