using System.Collections.Generic;
using System.Linq;
using System.Text;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;
using ModelGen.Generator.Ops;

namespace ModelGen.Generator.Emit
{
    /// <summary>
    /// The Linear products and convolutions of the inference graph that can run int8 when the model is compiled with
    /// <c>CompileOptions.Quantization</c> (<see cref="MatMulOp.RunsInt8"/>, <see cref="ConvolutionOp.RunsInt8"/>). Each
    /// gets an <c>Int8Linear?</c> or <c>Int8Conv2d?</c> field, null without quantisation; the emitted call site tries
    /// it first and falls back to the float kernel. Everything else stays float32.
    /// </summary>
    internal sealed class Int8Sites
    {
        private readonly List<(Node Node, string Field, int Pool)> _sites = new List<(Node, string, int)>();

        public static Int8Sites Find(Graph inference)
        {
            var sites = new Int8Sites();
            var fields = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (Node node in inference.Nodes)
            {
                if (!RunsInt8(inference, node)) continue;
                string field = "__" + Identifier(node.Layer) + "Int8";
                for (int use = 2; !fields.Add(field); use++) field = "__" + Identifier(node.Layer) + "Int8_" + Format.Int(use);
                sites._sites.Add((node, field, node.Op == OpKind.Conv2d ? ConvolutionOp.FusedInt8MaxPool(inference, node) : -1));
            }
            return sites;
        }

        /// <summary>Whether a node of the inference graph runs int8 under CompileOptions.Quantization.</summary>
        public static bool RunsInt8(Graph inference, Node node)
            => MatMulOp.RunsInt8(inference, node) || ConvolutionOp.RunsInt8(inference, node);

        /// <summary>The Int8Linear or Int8Conv2d field for a node of the inference graph, or null when it stays float32.</summary>
        public string? FieldOf(int node)
        {
            foreach ((Node site, string field, _) in _sites)
                if (site.Id == node) return field;
            return null;
        }

        /// <summary>The max pooling fused into the int8 convolution <paramref name="node"/> (ConvolutionOp.FusedInt8MaxPool), or -1.</summary>
        public int PoolOf(int node)
        {
            foreach ((Node site, _, int pool) in _sites)
                if (site.Id == node) return pool;
            return -1;
        }

        /// <summary>Whether the pooling <paramref name="node"/> runs inside an int8 convolution's call.</summary>
        public bool FusesPool(int node) => _sites.Any(s => s.Pool == node);

        public void WriteFields(SourceWriter w)
        {
            w.Line("private readonly global::ModelGen.Quantization.Int8Inference? __int8;");
            foreach ((Node node, string field, _) in _sites)
                w.Line($"private readonly {(node.Op == OpKind.Conv2d ? "global::ModelGen.Quantization.Int8Conv2d" : "global::ModelGen.Quantization.Int8Linear")}? {field};");
        }

        /// <summary>Constructor lines, after every buffer exists: Calibrate runs Forward.</summary>
        public void WriteCreation(SourceWriter w, Graph inference)
        {
            int inputs = inference.Nodes.Count(n => n.Op == OpKind.Input);
            if (inputs > 1)
            {
                // Calibration batches are single tensors: a model of several inputs runs float32 only.
                w.Line("if (options.Quantization != null) throw new global::System.NotSupportedException(\"Int8 quantisation calibrates on batches of one input tensor; this model takes " + Format.Int(inputs) + " inputs.\");");
                w.Line("__int8 = null;");
                foreach ((_, string unused, _) in _sites) w.Line($"{unused} = null;");
                return;
            }
            w.Line("__int8 = global::ModelGen.Quantization.Int8Inference.Create(model, options); // null unless options.Quantization is set");
            foreach ((Node node, string field, int pool) in _sites)
            {
                string bias = MatMulOp.HasBias(node) ? "__p" + Format.Int(inference[node.Input(2)].Index) : "null";
                string activation = node.Activation == Epilogue.Relu ? "global::ModelGen.Kernels.Activation.Relu" : "global::ModelGen.Kernels.Activation.None";
                string weight = "__p" + Format.Int(inference[node.Input(1)].Index);
                if (node.Op == OpKind.Conv2d)
                    w.Line($"{field} = __int8?.Conv2d({Format.String(node.Layer)}, {weight}, {bias}, new global::ModelGen.Kernels.Conv2dGeometry({string.Join(", ", node.Geometry.Select(Format.Int))}), {activation}" +
                           (pool < 0 ? ");" : $", maxPool: new global::ModelGen.Kernels.Pool2dGeometry({string.Join(", ", inference[pool].Geometry.Select(Format.Int))}), maxPoolLayer: {Format.String(inference[pool].Layer)});"));
                else
                    w.Line($"{field} = __int8?.Linear({Format.String(node.Layer)}, {weight}, {bias}, {activation});");
            }
            w.Line(inference.Outputs.Count == 1 ? "__int8?.Calibrate(Forward);" : "__int8?.Calibrate(__x => { Forward(__x); return __output; });");
        }

        public static void WriteProperty(SourceWriter w)
        {
            w.Line();
            w.Line("/// <summary>The int8 layers, their report and checkpoint; null unless compiled with CompileOptions.Quantization.</summary>");
            w.Line("public global::ModelGen.Quantization.Int8Inference? Int8 => __int8;");
        }

        private static string Identifier(string layer)
        {
            var name = new StringBuilder();
            foreach (char c in layer) name.Append(char.IsLetterOrDigit(c) ? c : '_');
            return name.ToString();
        }
    }
}
