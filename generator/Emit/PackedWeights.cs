using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Emit
{
    /// <summary>
    /// The weights the inference schedules multiply by as the B operand of a GEMM: each gets a
    /// <c>PackedWeight?</c> field holding its op(B) panels, packed at the first Forward (null with
    /// <c>CompileOptions.PrepackWeights = false</c>), so Forward skips packing B. The panels follow the weight's
    /// <c>Tensor.Version</c>; training keeps packing per call, as its weights change every step.
    /// </summary>
    internal sealed class PackedWeights
    {
        private readonly List<(int Param, bool TransB, int N, int K, string Field)> _weights = new List<(int, bool, int, int, string)>();

        /// <summary>The weights of every given inference schedule (the schedules of CompileOptions.Passes share the fields).</summary>
        public static PackedWeights Find(params Graph[] schedules)
        {
            var weights = new PackedWeights();
            foreach (Graph graph in schedules)
            {
                foreach (Node node in graph.Nodes)
                {
                    if (node.Op != OpKind.MatMul) continue;
                    Node b = graph[node.Input(1)];
                    if (b.Op != OpKind.Param || b.Shape.Rank != 2 || b.Shape.IsSymbolic) continue;
                    if (weights.FieldOf(b.Index, node.TransB) != null) continue;
                    int n = node.TransB ? b.Shape[0].Size : b.Shape[1].Size;
                    int k = node.TransB ? b.Shape[1].Size : b.Shape[0].Size;
                    string field = "__packed" + Format.Int(b.Index) + (weights.Has(b.Index) ? "T" : "");
                    weights._weights.Add((b.Index, node.TransB, n, k, field));
                }
            }
            return weights;
        }

        /// <summary>The field holding parameter <paramref name="param"/> packed for <paramref name="transB"/>, or null.</summary>
        public string? FieldOf(int param, bool transB)
        {
            foreach (var weight in _weights)
                if (weight.Param == param && weight.TransB == transB) return weight.Field;
            return null;
        }

        private bool Has(int param)
        {
            foreach (var weight in _weights)
                if (weight.Param == param) return true;
            return false;
        }

        public void WriteFields(SourceWriter w)
        {
            foreach (var weight in _weights) w.Line($"private readonly global::ModelGen.Kernels.PackedWeight? {weight.Field};");
        }

        /// <summary>Constructor lines, after the parameters are bound.</summary>
        public void WriteCreation(SourceWriter w)
        {
            foreach (var weight in _weights)
            {
                w.Line($"{weight.Field} = options.PrepackWeights ? new global::ModelGen.Kernels.PackedWeight(__p{Format.Int(weight.Param)}.Value, " +
                       $"{Format.Int(weight.N)}, {Format.Int(weight.K)}, transB: {(weight.TransB ? "true" : "false")}) : null;");
            }
        }
    }
}
