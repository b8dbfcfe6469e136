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
    /// Layer norm's kernels each write more than one value, while an IR node has one. The extra values are nodes of their
    /// own (the per-row statistics; the weight and bias gradients) that are defined just before the node whose kernel
    /// writes them and are its inputs: so the memory plan gives them a buffer before the kernel runs and keeps it at least
    /// until then. They emit no code of their own while a writer exists.
    /// </summary>
    internal static class LayerNormCode
    {
        /// <summary>The number of features F (the last axis) of a layer-norm value, as code.</summary>
        public static string Features(Shape x) => Format.Int(x.Last.Size);

        /// <summary>Code for the kernel's optional span: the node's buffer, or an empty span when it is absent (-1).</summary>
        public static string OptionalSpan(CpuEmitContext context, int id) => id < 0 ? "default" : context.Span(id);

        public const string Kernel = "global::ModelGen.Kernels.LayerNorm";
    }

    /// <summary>
    /// y = (x − mean)·rstd·w + b over the last axis (inputs x, statistics, and w, b when affine). Its kernel also writes
    /// the per-row [mean, rstd] into the statistics node. The backward keeps x, the statistics and, for dx, the weight.
    /// </summary>
    internal sealed class LayerNormOp : Operator
    {
        public override OpKind Kind => OpKind.LayerNorm;
        public override string Name => "layer_norm";
        public override SavedValues Saves => SavedValues.None.WithNames("x", "stats", "weight", "bias").WithInput(0).WithInput(1).WithInput(2, forGradientOf: 0);

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0), stats = node.Input(1);
            bool affine = node.Inputs.Count == 4;
            int weight = affine ? node.Input(2) : -1, bias = affine ? node.Input(3) : -1;
            bool needsX = g.NeedsGrad(x);
            int writtenByInput = needsX ? 1 : 0;
            // The parameter gradients come first so that the input gradient's kernel can write them; without an input
            // gradient each of them runs the kernel for itself.
            int dWeight = affine && g.NeedsGrad(weight)
                ? g.Add(new Node(-1, OpKind.LayerNormGradWeight, EquatableArray.Create(dY, x, stats), g[weight].Shape, -1) { Layer = node.Layer, Geometry = EquatableArray.Create(writtenByInput) })
                : -1;
            int dBias = affine && g.NeedsGrad(bias)
                ? g.Add(new Node(-1, OpKind.LayerNormGradBias, EquatableArray.Create(dY), g[bias].Shape, -1) { Layer = node.Layer, Geometry = EquatableArray.Create(writtenByInput) })
                : -1;
            if (needsX)
            {
                var inputs = new List<int> { dY, x, stats };
                if (affine) inputs.Add(weight);
                if (dWeight >= 0) inputs.Add(dWeight);
                if (dBias >= 0) inputs.Add(dBias);
                // Geometry: [affine, writes dweight, writes dbias], which says what the optional inputs are.
                g.Accumulate(x, g.Add(new Node(-1, OpKind.LayerNormGradInput, inputs.ToEquatableArray(), g[x].Shape, -1)
                {
                    Layer = node.Layer,
                    Geometry = EquatableArray.Create(affine ? 1 : 0, dWeight >= 0 ? 1 : 0, dBias >= 0 ? 1 : 0),
                }));
            }
            if (dWeight >= 0) g.Accumulate(weight, dWeight);
            if (dBias >= 0) g.Accumulate(bias, dBias);
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            bool affine = node.Inputs.Count == 4;
            context.Line($"{LayerNormCode.Kernel}.Forward<float>({context.Span(node.Input(0))}, {(affine ? context.Span(node.Input(2)) : "default")}, " +
                         $"{(affine ? context.Span(node.Input(3)) : "default")}, {context.Span(node.Id)}, {context.Span(node.Input(1))}, " +
                         $"{LayerNormCode.Features(node.Shape)}, {context.Layer(node.Layer)}.Eps);");
        }
    }

    /// <summary>The per-row [mean, rstd] of layer norm's input ([..., 2]); written by the layer_norm node that reads it.</summary>
    internal sealed class LayerNormStatsOp : Operator
    {
        public override OpKind Kind => OpKind.LayerNormStats;
        public override string Name => "layer_norm_stats";

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"// %{node.Id}: {node.Layer}'s per-row mean and rstd, written by its layer_norm kernel below");
    }

    /// <summary>
    /// The gradients of layer norm. The input gradient (dy, x, stats, [w], [dw], [db]) runs the one backward kernel, which
    /// writes dx and the parameter gradients it is given; dw (dy, x, stats) and db (dy) run it themselves only when x
    /// needs no gradient (Geometry[0] is 0).
    /// </summary>
    internal sealed class LayerNormGradOp : Operator
    {
        public LayerNormGradOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.LayerNormGradInput ? "layer_norm_grad_input" : Kind == OpKind.LayerNormGradWeight ? "layer_norm_grad_weight" : "layer_norm_grad_bias";

        public override void Emit(CpuEmitContext context, Node node)
        {
            string kernel = LayerNormCode.Kernel + ".Backward<float>";
            if (Kind == OpKind.LayerNormGradInput)
            {
                bool affine = node.Geometry[0] == 1, writesWeight = node.Geometry[1] == 1, writesBias = node.Geometry[2] == 1;
                int next = affine ? 4 : 3;
                int weight = affine ? node.Input(3) : -1, dWeight = writesWeight ? node.Input(next++) : -1, dBias = writesBias ? node.Input(next) : -1;
                Shape x = context.Graph[node.Input(1)].Shape;
                context.Line($"{kernel}({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Input(2))}, {LayerNormCode.OptionalSpan(context, weight)}, " +
                             $"{context.Span(node.Id)}, {LayerNormCode.OptionalSpan(context, dWeight)}, {LayerNormCode.OptionalSpan(context, dBias)}, {LayerNormCode.Features(x)});");
                return;
            }
            if (node.Geometry[0] == 1)
            {
                context.Line($"// %{node.Id}: {node.Layer}'s {(Kind == OpKind.LayerNormGradWeight ? "weight" : "bias")} gradient, written by its layer_norm_grad_input kernel below");
                return;
            }
            if (Kind == OpKind.LayerNormGradWeight)
            {
                Shape x = context.Graph[node.Input(1)].Shape;
                context.Line($"{kernel}({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Input(2))}, default, default, {context.Span(node.Id)}, default, {LayerNormCode.Features(x)});");
            }
            else
            {
                // Σ dy needs neither x nor the statistics: the kernel reads them only for dx and dweight.
                Shape dy = context.Graph[node.Input(0)].Shape;
                context.Line($"{kernel}({context.Span(node.Input(0))}, default, default, default, default, default, {context.Span(node.Id)}, {LayerNormCode.Features(dy)});");
            }
        }
    }

    /// <summary><c>LayerNorm(normalizedShape, eps, elementwiseAffine)</c> over the last axis; γ "weight" and β "bias" when affine.</summary>
    internal sealed class LayerNormLayer : LayerDefinition
    {
        public override string TypeName => "LayerNorm";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.LayerNormStats, OpKind.LayerNorm };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            int features = Features(tracer, layer);
            if (Arg(layer, "elementwiseAffine", 1) == 0) return System.Array.Empty<ParameterInfo>();
            Shape shape = Shape.Of(Dim.Of(features));
            return new[]
            {
                new ParameterInfo(layer.Name + ".weight", layer.Name + ".Weight!", shape, layer.Name),
                new ParameterInfo(layer.Name + ".bias", layer.Name + ".Bias!", shape, layer.Name),
            };
        }

        private static int Features(GraphTracer tracer, LayerSpec layer)
        {
            double value = Arg(layer, "normalizedShape", -1);
            if (value < 1 || value != System.Math.Floor(value) || value > int.MaxValue)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, $"normalizedShape must be a positive integer, but is {Format.Number(value)}");
            return (int)value;
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            Shape input = tracer[x].Shape;
            Dim features = Dim.Of(Features(tracer, layer));
            if (input.Rank == 0 || input.Last != features)
            {
                ModelErrorException error = tracer.Fail(DiagnosticDescriptors.LayerInputMismatch, call.Origin,
                    layer.Name, features.ToString(), input.ToString(),
                    input.Rank == 0 ? $"the scalar is {tracer.Describe(x)}" : tracer.Explain(input.Last, x));
                // A concrete last axis is the size that fits: the code fix rewrites normalizedShape to it.
                throw input.Rank > 0 && !input.Last.IsSymbolic ? error.WithProperties(LayerArgumentFacts.Create(layer.Name, "normalizedShape", input.Last.Size)) : error;
            }

            int stats = tracer.Add(new Node(-1, OpKind.LayerNormStats, EquatableArray.Create(x), input.WithLast(Dim.Of(2)), call.Origin) { Layer = layer.Name });
            EquatableArray<int> inputs = Arg(layer, "elementwiseAffine", 1) == 0
                ? EquatableArray.Create(x, stats)
                : EquatableArray.Create(x, stats, tracer.ParamNode(firstParameter, layer.Origin), tracer.ParamNode(firstParameter + 1, layer.Origin));
            return tracer.Add(new Node(-1, OpKind.LayerNorm, inputs, input, call.Origin) { Layer = layer.Name });
        }
    }
}
