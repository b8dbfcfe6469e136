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
    /// The opt-in int8 report (MG2002): which kernels of the compiled Forward run int8 when the model is compiled with
    /// CompileOptions.Quantization, and which stay float32. A max pooling fused into an int8 convolution
    /// (ConvolutionOp.FusedInt8MaxPool) is named with it.
    /// </summary>
    internal static class Int8Report
    {
        public static DiagnosticInfo Create(ModelSpec spec, CompiledGraphs compiled, CancellationToken cancellation)
        {
            Graph inference = compiled.Inference;
            var int8 = new System.Collections.Generic.List<string>();
            var float32 = new System.Collections.Generic.List<string>();
            var fusedPools = new System.Collections.Generic.HashSet<int>();
            foreach (Node node in inference.Nodes)
            {
                cancellation.ThrowIfCancellationRequested();
                if (node.Op is OpKind.Input or OpKind.Param or OpKind.Const or OpKind.Label || fusedPools.Contains(node.Id)) continue;
                if (!Emit.Int8Sites.RunsInt8(inference, node))
                {
                    float32.Add(ModelReport.Kernel(node));
                    continue;
                }
                int pool = node.Op == OpKind.Conv2d ? ConvolutionOp.FusedInt8MaxPool(inference, node) : -1;
                if (pool >= 0) fusedPools.Add(pool);
                int8.Add(ModelReport.Kernel(node) + (pool >= 0 ? $" with {ModelReport.Kernel(inference[pool])} fused" : ""));
            }
            string text = "with CompileOptions.Quantization, " +
                (int8.Count == 0 ? "no kernel runs int8" : $"{int8.Count} {(int8.Count == 1 ? "kernel runs" : "kernels run")} int8: {string.Join(", ", int8)}") +
                (float32.Count == 0 ? "; none stays float32" : $"; {float32.Count} {(float32.Count == 1 ? "stays" : "stay")} float32: {string.Join(", ", float32)}");
            return DiagnosticInfo.Create(DiagnosticDescriptors.Int8Report, spec.Origin, spec.ClassName, text);
        }
    }
}
