using System;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Emit
{
    /// <summary>
    /// What an operator's emit rule writes with: the C# expressions for each node's planned buffer, its element
    /// count and shape, the shared elementwise kernels, and the writer for the method body.
    /// </summary>
    internal sealed class CpuEmitContext
    {
        private readonly SourceWriter _writer;
        private readonly MemoryPlan _plan;
        private readonly string _slotPrefix;

        public CpuEmitContext(SourceWriter writer, Graph graph, MemoryPlan plan, string slotPrefix, ElementwiseKernels kernels, StaticFields fields)
        {
            _writer = writer;
            Graph = graph;
            _plan = plan;
            _slotPrefix = slotPrefix;
            Kernels = kernels;
            Fields = fields;
        }

        public Graph Graph { get; }

        /// <summary>The Linear products that may run int8 (inference only; null in training code).</summary>
        public Int8Sites? Int8 { get; set; }

        /// <summary>The weights packed once for Forward (inference only; null in training code).</summary>
        public PackedWeights? Packed { get; set; }

        public ElementwiseKernels Kernels { get; }

        /// <summary>Static fields of the Compiled class, such as kernel geometries.</summary>
        public StaticFields Fields { get; }

        /// <summary>The model's layer <paramref name="name"/> (a dotted path inside blocks), as an expression in the Compiled class.</summary>
        public string Layer(string name) => name.Contains(".") ? LayerField(name) : "__model." + Format.Identifier(name);

        /// <summary>The Compiled field that holds a layer inside a block: "blocks.0.bn1" is <c>__layer_blocks__0__bn1</c>.</summary>
        public static string LayerField(string path) => "__layer_" + path.Replace(".", "__");

        /// <summary>The Compiled field holding output <paramref name="index"/> of Forward: <c>__output</c>, then <c>__output1</c>, ...</summary>
        public static string OutputField(int index) => index == 0 ? "__output" : "__output" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The plan's shared scratch buffer, <paramref name="size"/> elements long.</summary>
        public string Workspace(SizeExpr size) => $"{_slotPrefix}w.AsSpan(0, {size.ToCode(Batch)})";

        /// <summary>
        /// The name of the batch variable in emitted code. Generated names start with two underscores, which C# reserves
        /// for generated code: a user's Forward parameter (now a parameter of the generated method too) never meets them.
        /// </summary>
        public const string BatchName = "__B";

        /// <summary>The name of the batch variable in emitted code.</summary>
        public string Batch => BatchName;

        public void Line(string line) => _writer.Line(line);

        public bool IsConst(int id) => Graph[id].Op == OpKind.Const;

        /// <summary>The element count of a node, as C#.</summary>
        public string Count(int id) => Graph[id].Shape.Count.ToCode(Batch);

        /// <summary>A <c>Span&lt;float&gt;</c> over a node's value, exactly its element count long.</summary>
        public string Span(int id)
        {
            PlannedBuffer buffer = _plan.Buffers[id];
            switch (buffer.Kind)
            {
                case BufferKind.Slot: return $"{_slotPrefix}{buffer.Index}.AsSpan(0, {Count(id)})";
                case BufferKind.Input: return Format.Identifier(Graph[id].Name) + ".AsSpan()";
                case BufferKind.Label: return Format.Identifier(Graph[id].Name) + ".AsSpan()";
                case BufferKind.Param: return $"__p{buffer.Index}.Value.AsSpan()";
                case BufferKind.ParamGrad: return $"__p{buffer.Index}.Grad.AsSpan()";
                case BufferKind.Output: return OutputField(buffer.Index) + ".AsSpan()";
                default: throw new InvalidOperationException($"%{id} is a constant and has no buffer");
            }
        }

        /// <summary>
        /// A <c>ReadOnlySpan&lt;float&gt;</c> over a node's value, for an operand the kernel only reads: a tensor's
        /// read-only view, which leaves its <c>Version</c> alone (a writable one would count as a write and make a
        /// packed copy of a weight look stale).
        /// </summary>
        public string ReadSpan(int id)
        {
            PlannedBuffer buffer = _plan.Buffers[id];
            switch (buffer.Kind)
            {
                case BufferKind.Input:
                case BufferKind.Label: return Format.Identifier(Graph[id].Name) + ".AsReadOnlySpan()";
                case BufferKind.Param: return $"__p{buffer.Index}.Value.AsReadOnlySpan()";
                case BufferKind.ParamGrad: return $"__p{buffer.Index}.Grad.AsReadOnlySpan()";
                case BufferKind.Output: return OutputField(buffer.Index) + ".AsReadOnlySpan()";
                default: return Span(id);
            }
        }

        /// <summary>A <c>Span&lt;int&gt;</c> over class labels.</summary>
        public string IntSpan(int id) => Format.Identifier(Graph[id].Name) + ".AsSpanInt32()";

        /// <summary>A scalar node's value as a float expression: a literal for constants.</summary>
        public string Scalar(int id)
        {
            if (IsConst(id)) return Format.Float(Graph[id].Value);
            PlannedBuffer buffer = _plan.Buffers[id];
            return buffer.Kind == BufferKind.Slot ? $"{_slotPrefix}{buffer.Index}[0]" : Span(id) + "[0]";
        }

        /// <summary>A node's shape as a stack-allocated <c>ReadOnlySpan&lt;int&gt;</c> (no heap allocation).</summary>
        public string ShapeOf(int id)
        {
            Shape shape = Graph[id].Shape;
            if (shape.Rank == 0) return "global::System.ReadOnlySpan<int>.Empty";
            return "stackalloc int[] { " + string.Join(", ", shape.Dims.Select(d => d.ToCode(Batch))) + " }";
        }
    }
}
