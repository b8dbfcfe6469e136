using System.Linq;
using System.Text;
using ModelGen.Generator.Common;
using ModelGen.Generator.Emit;
using ModelGen.Generator.Ops;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.IR
{
    /// <summary>Prints a graph as text (one node a line, optionally with its planned buffer) and as Graphviz dot.</summary>
    internal static class GraphPrinter
    {
        public static string Print(Graph graph, MemoryPlan? plan = null)
        {
            var text = new StringBuilder();
            text.Append("graph ").Append(graph.ModelName);
            if (graph.BatchSymbol.Length > 0) text.Append(" (batch ").Append(graph.BatchSymbol).Append(')');
            text.Append('\n');
            foreach (Node node in graph.Nodes)
            {
                text.Append("  ").Append(Describe(node)).Append(" : ").Append(node.Shape);
                if (node.Layer.Length > 0 && node.Op != OpKind.Param) text.Append("  @").Append(node.Layer);
                if (plan != null && node.Op != OpKind.Const) text.Append("  -> ").Append(BufferName(graph, plan.Buffers[node.Id]));
                text.Append('\n');
            }
            text.Append("  output ").Append(string.Join(", ", graph.Outputs.Select(o => "%" + o.ToString(System.Globalization.CultureInfo.InvariantCulture)))).Append('\n');
            if (graph.Loss >= 0) text.Append("  loss %").Append(graph.Loss).Append('\n');
            foreach (int report in graph.Reports) text.Append("  report %").Append(report).Append('\n');
            foreach (GradientBinding g in graph.Gradients)
                text.Append("  grad ").Append(graph.Parameters[g.Parameter].Name).Append(" = %").Append(g.Node).Append('\n');
            if (plan != null)
            {
                text.Append("  slots ").Append(string.Join(", ", plan.Slots.Select((s, i) => $"s{i}={s}"))).Append('\n');
                if (plan.Workspace != default) text.Append("  workspace ").Append(plan.Workspace).Append('\n');
            }
            return text.ToString();
        }

        /// <summary>"%3 = matmul %0, %1 transB".</summary>
        public static string Describe(Node node)
        {
            var text = new StringBuilder().Append('%').Append(node.Id).Append(" = ").Append(OperatorTable.Of(node.Op).Name);
            if (node.Op == OpKind.Input || node.Op == OpKind.Label || node.Op == OpKind.Param) text.Append(' ').Append(node.Name);
            if (node.Op == OpKind.Const) text.Append(' ').Append(Format.Number(node.Value));
            if (node.Op == OpKind.Label && node.Type == ElementType.Int32) text.Append(" int32");
            if (node.Inputs.Count > 0) text.Append(' ').Append(string.Join(", ", node.Inputs.Select(i => "%" + i)));
            if (node.TransA) text.Append(" transA");
            if (node.TransB) text.Append(" transB");
            if (node.Op == OpKind.MatMul && MatMulOp.HasBias(node)) text.Append(" +bias");
            if (node.Residual) text.Append(" +residual");
            if (node.Activation == Epilogue.Relu) text.Append(" +relu");
            if (node.Op == OpKind.Expand && node.Value != 0) text.Append(" mean");
            if (node.Op == OpKind.FusedElementwise) text.Append(" {").Append(FusedExpression.Print(node.Geometry)).Append('}');
            else if (node.Geometry.Count > 0) text.Append(" (").Append(string.Join(",", node.Geometry.Select(Format.Int))).Append(')');
            return text.ToString();
        }

        private static string BufferName(Graph graph, PlannedBuffer buffer)
        {
            switch (buffer.Kind)
            {
                case BufferKind.Slot: return "s" + buffer.Index;
                case BufferKind.Param: return graph.Parameters[buffer.Index].Name;
                case BufferKind.ParamGrad: return graph.Parameters[buffer.Index].Name + ".grad";
                case BufferKind.Output when buffer.Index > 0: return "output" + buffer.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                default: return buffer.Kind.ToString().ToLowerInvariant();
            }
        }

        public static string ToDot(Graph graph)
        {
            var dot = new StringBuilder();
            dot.Append("digraph ").Append(graph.ModelName).Append(" {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n");
            foreach (Node node in graph.Nodes)
            {
                string label = OperatorTable.Of(node.Op).Name + (node.Name.Length > 0 ? " " + node.Name : node.Layer.Length > 0 ? " (" + node.Layer + ")" : "")
                    + (node.Op == OpKind.Const ? " " + Format.Number(node.Value) : "") + "\\n" + node.Shape;
                dot.Append("  n").Append(node.Id).Append(" [label=\"").Append(label.Replace("\"", "'")).Append("\"];\n");
                foreach (int input in node.Inputs) dot.Append("  n").Append(input).Append(" -> n").Append(node.Id).Append(";\n");
            }
            return dot.Append("}\n").ToString();
        }
    }
}
