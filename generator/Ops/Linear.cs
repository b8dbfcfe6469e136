using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// <c>Linear(inFeatures, outFeatures, bias = true)</c>: y = x·Wᵀ + b on the last axis, W of shape [out, in].
    /// Traced as MatMul(x, W, transB) then Add(bias); the fusion pass folds the bias (and a following ReLU) into
    /// the GEMM epilogue.
    /// </summary>
    internal sealed class LinearLayer : LayerDefinition
    {
        public override string TypeName => "Linear";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.MatMul, OpKind.Add };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            int inFeatures = Positive(tracer, layer, "inFeatures", -1);
            int outFeatures = Positive(tracer, layer, "outFeatures", -1);
            yield return new ParameterInfo(layer.Name + ".weight", layer.Name + ".Weight", Shape.Of(Dim.Of(outFeatures), Dim.Of(inFeatures)), layer.Name);
            if (Arg(layer, "bias", 1) != 0)
                yield return new ParameterInfo(layer.Name + ".bias", layer.Name + ".Bias!", Shape.Of(Dim.Of(outFeatures)), layer.Name);
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            Shape input = tracer[x].Shape;
            int weight = tracer.ParamNode(firstParameter, layer.Origin);
            Dim inFeatures = tracer[weight].Shape[1], outFeatures = tracer[weight].Shape[0];
            if (input.Rank == 0 || input.Last != inFeatures)
            {
                ModelErrorException error = tracer.Fail(DiagnosticDescriptors.LayerInputMismatch, call.Origin,
                    layer.Name, inFeatures.ToString(), input.ToString(),
                    input.Rank == 0 ? $"the scalar is {tracer.Describe(x)}" : tracer.Explain(input.Last, x));
                // A concrete last axis is the input size that fits: its code fix rewrites the declaration.
                throw input.Rank > 0 && !input.Last.IsSymbolic ? error.WithProperties(LayerArgumentFacts.Create(layer.Name, "inFeatures", input.Last.Size)) : error;
            }

            int y = tracer.Add(new Node(-1, OpKind.MatMul, EquatableArray.Create(x, weight), input.WithLast(outFeatures), call.Origin)
            {
                TransB = true,
                Layer = layer.Name,
            });
            if (Arg(layer, "bias", 1) == 0) return y;
            int bias = tracer.ParamNode(firstParameter + 1, layer.Origin);
            return tracer.Add(new Node(-1, OpKind.Add, EquatableArray.Create(y, bias), tracer[y].Shape, call.Origin) { Layer = layer.Name });
        }
    }
}
