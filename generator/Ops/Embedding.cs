using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// <c>Embedding(numEmbeddings, embeddingDim, paddingIdx = null)</c>: Int32 ids [...] pick rows of the table W
    /// [numEmbeddings, embeddingDim], giving [..., embeddingDim]. The ids must be one of Forward's inputs, which the
    /// call makes an Int32 input. Nodes carry Geometry [paddingIdx] (−1: none). The backward keeps the ids.
    /// </summary>
    internal sealed class EmbeddingLayer : LayerDefinition
    {
        public override string TypeName => "Embedding";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.Embedding };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            int rows = Positive(tracer, layer, "numEmbeddings", -1), dim = Positive(tracer, layer, "embeddingDim", -1);
            double padding = Arg(layer, "paddingIdx", double.NaN);
            if (!double.IsNaN(padding) && (padding != System.Math.Floor(padding) || padding >= rows || padding < -rows))
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, $"paddingIdx must be an id of the table of {rows} rows, but is {Format.Number(padding)}");
            yield return new ParameterInfo(layer.Name + ".weight", layer.Name + ".Weight", Shape.Of(Dim.Of(rows), Dim.Of(dim)), layer.Name);
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int ids = args[0];
            tracer.MakeIndices(ids, layer.Name, call.Origin);
            int weight = tracer.ParamNode(firstParameter, layer.Origin);
            Shape table = tracer[weight].Shape;
            double padding = Arg(layer, "paddingIdx", double.NaN);
            int paddingIdx = double.IsNaN(padding) ? -1 : padding < 0 ? (int)padding + table[0].Size : (int)padding;
            var dims = new List<Dim>(tracer[ids].Shape.Dims) { table[1] };
            return tracer.Add(new Node(-1, OpKind.Embedding, EquatableArray.Create(ids, weight), Shape.Of(dims), call.Origin)
            {
                Layer = layer.Name,
                Geometry = EquatableArray.Create(paddingIdx),
            });
        }
    }

    /// <summary>The lookup (inputs: ids, table); its gradient reaches the table only.</summary>
    internal sealed class EmbeddingOp : Operator
    {
        public override OpKind Kind => OpKind.Embedding;
        public override string Name => "embedding";
        public override SavedValues Saves => SavedValues.None.WithNames("ids", "weight").WithInput(0);

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int ids = node.Input(0), weight = node.Input(1);
            if (g.NeedsGrad(weight))
                g.Accumulate(weight, g.Add(new Node(-1, OpKind.EmbeddingGrad, EquatableArray.Create(dY, ids), g[weight].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
        }

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Embeddings.Gather<float>({context.IntSpan(node.Input(0))}, {context.ReadSpan(node.Input(1))}, {context.Span(node.Id)}, {Format.Int(node.Shape.Last.Size)});");
    }

    /// <summary>The table's gradient (inputs: dy, ids): a scatter-add of dy's rows, none into the padding row.</summary>
    internal sealed class EmbeddingGradOp : Operator
    {
        public override OpKind Kind => OpKind.EmbeddingGrad;
        public override string Name => "embedding_grad";

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Embeddings.ScatterAdd<float>({context.IntSpan(node.Input(1))}, {context.ReadSpan(node.Input(0))}, {context.Span(node.Id)}, {Format.Int(node.Shape.Last.Size)}, {Format.Int(node.Geometry[0])});");
    }
}
