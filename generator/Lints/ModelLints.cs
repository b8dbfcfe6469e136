using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Lints
{
    /// <summary>
    /// The classic modelling mistakes of the field, found in the traced graph of a model that has no errors. Each is a
    /// warning with its own id (MG1001–MG1007) and a page in docs/diagnostics; each names what to write instead.
    /// </summary>
    internal static class ModelLints
    {
        public static IEnumerable<DiagnosticInfo> Run(ModelSpec spec, Graph graph)
        {
            List<int>[] users = graph.Users();
            var layerOrigins = spec.Layers.ToDictionary(l => l.Name, l => l.Origin);
            var found = new List<DiagnosticInfo>();
            foreach (Node node in graph.Nodes)
            {
                switch (node.Op)
                {
                    case OpKind.CrossEntropy when graph[node.Input(0)].Op is OpKind.Softmax or OpKind.LogSoftmax:
                        Node squash = graph[node.Input(0)];
                        found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxIntoCrossEntropy, squash.Origin, squash.Op.ToString()));
                        break;
                    case OpKind.BCEWithLogits when graph[node.Input(0)].Op == OpKind.Sigmoid:
                        found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SigmoidIntoBceWithLogits, graph[node.Input(0)].Origin));
                        break;
                    case OpKind.Log when graph[node.Input(0)].Op == OpKind.Softmax:
                        found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LogOfSoftmax, node.Origin));
                        break;
                    case OpKind.BatchNorm:
                        Node before = graph[node.Input(0)];
                        string? biased = CancelledBias(graph, users, before);
                        if (biased != null && layerOrigins.TryGetValue(biased, out int biasedOrigin))
                            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BiasBeforeBatchNorm, biasedOrigin, biased, node.Layer));
                        if (before.Op == OpKind.Dropout)
                            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutPlacement, node.Origin,
                                $"Batch norm '{node.Layer}' right after dropout '{before.Layer}' learns statistics of dropped activations that inference never sees; put the dropout after the batch norm"));
                        break;
                    case OpKind.Reshape when SwappedAxes(graph[node.Input(0)].Shape, node.Shape) is string permutation:
                        found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ReshapeThatSwaps, node.Origin,
                            graph[node.Input(0)].Shape.ToString(), node.Shape.ToString(), permutation));
                        break;
                    case OpKind.MatMul when node.Layer.Length > 0:
                        string? previous = LinearLayerBehind(graph, users, node.Input(0));
                        if (previous != null && previous != node.Layer)
                            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LinearWithoutNonlinearity, node.Origin, node.Layer, previous));
                        break;
                }
            }
            foreach (Node drop in graph.Outputs.Select(o => graph[o]).Where(n => n.Op == OpKind.Dropout))
            {
                found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutPlacement, drop.Origin,
                    $"Dropout '{drop.Layer}' right before the output zeroes predictions while training; apply it to hidden features instead"));
            }
            found.AddRange(ParametersThatNeverTrain(spec, graph));
            return found;
        }

        /// <summary>
        /// When a reshape keeps the rank and the batch and only reorders distinct sizes ([B, 4, 6] to [B, 6, 4]), the
        /// Permute dims that would swap the axes instead; null otherwise.
        /// </summary>
        private static string? SwappedAxes(Shape from, Shape to)
        {
            if (from.Rank != to.Rank || from.Rank < 3 || from[0] != to[0] || Equals(from, to)) return null;
            var sizes = from.Dims.Skip(1).Select(d => d.Size).ToList();
            if (sizes.Distinct().Count() != sizes.Count) return null;
            var order = new List<int> { 0 };
            foreach (Dim d in to.Dims.Skip(1))
            {
                int axis = sizes.IndexOf(d.Size);
                if (axis < 0) return null;
                order.Add(axis + 1);
            }
            return string.Join(", ", order);
        }

        /// <summary>
        /// The layer whose bias produced this value, when batch norm cancels that bias: a convolution's (one bias per
        /// channel), or a Linear's on [B, F] (one bias per feature, the channel batch norm normalises; on [B, C, L] the bias
        /// runs along L and survives). Not when the value also goes elsewhere (a residual around the batch norm, an
        /// output): the bias reaches it there.
        /// </summary>
        private static string? CancelledBias(Graph graph, List<int>[] users, Node node)
        {
            if (graph.Outputs.Contains(node.Id) || users[node.Id].Any(u => graph[u].Op != OpKind.BatchNorm)) return null;
            if (node.Op == OpKind.Add && node.Layer.Length > 0 && graph[node.Input(1)].Op == OpKind.Param && node.Shape.Rank == 2) return node.Layer;
            if (node.Op == OpKind.Conv2d && node.Inputs.Count > 2) return node.Layer;
            return null;
        }

        /// <summary>
        /// The Linear layer whose output this value is, looking through reshapes only, when nothing else uses that output
        /// on the way: a Linear whose features are also an output or feed another branch is needed as it is, so the two
        /// maps do not collapse into one.
        /// </summary>
        private static string? LinearLayerBehind(Graph graph, List<int>[] users, int id)
        {
            Node node = graph[id];
            while (node.Op == OpKind.Reshape && OnlyOneUse(graph, users, node)) node = graph[node.Input(0)];
            if (!OnlyOneUse(graph, users, node)) return null;
            bool linear = (node.Op == OpKind.MatMul || (node.Op == OpKind.Add && graph[node.Input(0)].Op == OpKind.MatMul)) && node.Layer.Length > 0;
            return linear ? node.Layer : null;
        }

        private static bool OnlyOneUse(Graph graph, List<int>[] users, Node node) => users[node.Id].Count == 1 && !graph.Outputs.Contains(node.Id);

        /// <summary>Layers Forward never calls, and parameters the loss does not depend on (with a loss only).</summary>
        private static IEnumerable<DiagnosticInfo> ParametersThatNeverTrain(ModelSpec spec, Graph graph)
        {
            var used = new HashSet<string>(graph.Nodes.Select(n => n.Layer));
            var withParameters = new HashSet<string>(graph.Parameters.Select(p => p.Layer));
            foreach (LayerSpec layer in spec.Layers)
            {
                if (withParameters.Contains(layer.Name) && !used.Contains(layer.Name))
                    yield return DiagnosticInfo.Create(DiagnosticDescriptors.ParametersNeverTrain, layer.Origin,
                        $"Layer '{layer.Name}' is declared but Forward never uses it, so its parameters never train; use it or remove it");
            }
            if (graph.Loss < 0) yield break;
            var reaches = new bool[graph.Count];
            reaches[graph.Loss] = true;
            for (int id = graph.Loss; id >= 0; id--)
            {
                if (!reaches[id]) continue;
                foreach (int input in graph[id].Inputs) reaches[input] = true;
            }
            foreach (Node node in graph.Nodes.Where(n => n.Op == OpKind.Param && !reaches[n.Id]))
                yield return DiagnosticInfo.Create(DiagnosticDescriptors.ParametersNeverTrain, node.Origin,
                    $"Parameter '{node.Name}' does not affect the loss, so it receives no gradient and never trains");
        }
    }
}
