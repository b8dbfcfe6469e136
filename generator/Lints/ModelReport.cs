using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.IR;
using ModelGen.Generator.Ops;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Lints
{
    /// <summary>
    /// The opt-in build report of a model (MG2001): its parameter count, the activations its backward keeps per sample
    /// (forward values a gradient rule reads, as the saved-values contract declares; the caller's input excluded), and
    /// the kernels left after fusion in the compiled Forward.
    /// </summary>
    internal static class ModelReport
    {
        public static DiagnosticInfo Create(ModelSpec spec, Graph traced, CompiledGraphs compiled, CancellationToken cancellation)
        {
            long parameters = traced.Parameters.Sum(p => p.Shape.Count.Fixed);
            string text = string.Format(CultureInfo.InvariantCulture, "{0:N0} parameters ({1:N1} KiB)", parameters, parameters * 4 / 1024.0);
            if (traced.Loss >= 0)
            {
                long kept = KeptPerSample(traced, cancellation);
                text += string.Format(CultureInfo.InvariantCulture, "; the backward keeps {0:N0} activations per sample ({1:N1} KiB)", kept, kept * 4 / 1024.0);
            }
            var kernels = compiled.Inference.Nodes
                .Where(n => n.Op != OpKind.Input && n.Op != OpKind.Param && n.Op != OpKind.Const && n.Op != OpKind.Label)
                .Select(Kernel).ToList();
            text += $"; compiled Forward runs {kernels.Count} kernels: {string.Join(", ", kernels)}";
            return DiagnosticInfo.Create(DiagnosticDescriptors.ModelReport, spec.Origin, spec.ClassName, text);
        }

        /// <summary>Elements per sample of the forward activations that backward nodes read (batch-sized values only).</summary>
        private static long KeptPerSample(Graph traced, CancellationToken cancellation)
        {
            Graph forward = LowerTrainingModes.ForTraining(traced);
            Graph differentiated = Differentiate.Run(forward, cancellation);
            var kept = new HashSet<int>();
            for (int id = forward.Count; id < differentiated.Count; id++)
            {
                foreach (int input in differentiated[id].Inputs)
                {
                    if (input < forward.Count && differentiated[input].Op is not (OpKind.Input or OpKind.Label or OpKind.Param or OpKind.Const))
                        kept.Add(input);
                }
            }
            return kept.Sum(id => differentiated[id].Shape.Count.PerBatch);
        }

        internal static string Kernel(Node node)
        {
            string name = OperatorTable.Of(node.Op).Name;
            if (node.Op == OpKind.MatMul && MatMulOp.HasBias(node)) name += "+bias";
            if (node.Residual) name += "+residual";
            if (node.Activation == Epilogue.Relu) name += "+relu";
            return node.Layer.Length > 0 ? $"{name} ({node.Layer})" : name;
        }
    }
}
