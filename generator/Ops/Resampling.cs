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
    /// Adaptive average pooling of NCHW images (Geometry [C, H, W, outH, outW]), from the AdaptiveAvgPool2d layer and
    /// from <c>Ops.GlobalAvgPool</c> (outH = outW = 1, shape [N, C]). The backward keeps nothing.
    /// </summary>
    internal sealed class AdaptiveAvgPoolOp : Operator
    {
        public override OpKind Kind => OpKind.AdaptiveAvgPool2d;
        public override string Name => "adaptive_avg_pool2d";

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (g.NeedsGrad(x))
                g.Accumulate(x, g.Add(new Node(-1, OpKind.AdaptiveAvgPool2dGrad, EquatableArray.Create(dY), g[x].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
        }

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Resampling.AdaptiveAvgPool2dForward<float>({context.Span(node.Input(0))}, {context.Span(node.Id)}, {Images.Arguments(context, node)});");

        /// <summary>Checks x is [N, C, H, W] and adds the pooling node.</summary>
        public static int Make(GraphTracer tracer, ExprSpec call, int x, string op, int output, bool global, string layer)
        {
            Shape input = Images.Require(tracer, call, x, op);
            Shape shape = global ? Shape.Of(input[0], input[1]) : Shape.Of(input[0], input[1], Dim.Of(output), Dim.Of(output));
            return tracer.Add(new Node(-1, OpKind.AdaptiveAvgPool2d, EquatableArray.Create(x), shape, call.Origin)
            {
                Layer = layer,
                Geometry = EquatableArray.Create(input[1].Size, input[2].Size, input[3].Size, output, output),
            });
        }
    }

    /// <summary>The gradient of adaptive average pooling (input: the output gradient).</summary>
    internal sealed class AdaptiveAvgPoolGradOp : Operator
    {
        public override OpKind Kind => OpKind.AdaptiveAvgPool2dGrad;
        public override string Name => "adaptive_avg_pool2d_grad";

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Resampling.AdaptiveAvgPool2dBackward<float>({context.Span(node.Input(0))}, {context.Span(node.Id)}, {Images.Arguments(context, node)});");
    }

    /// <summary><c>Ops.GlobalAvgPool(x)</c>: [N, C, H, W] to [N, C], traced into a 1×1 adaptive pooling node.</summary>
    internal sealed class GlobalAvgPoolOp : Operator
    {
        public override OpKind Kind => OpKind.GlobalAvgPool;
        public override string Name => "global_avg_pool";
        public override string OpsMethod => "GlobalAvgPool";
        public override SavedValues Saves => OperatorTable.Of(OpKind.AdaptiveAvgPool2d).Saves;

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
            => AdaptiveAvgPoolOp.Make(tracer, call, args[0], "GlobalAvgPool", 1, global: true, layer: "");

        public override void Emit(CpuEmitContext context, Node node) => throw new System.InvalidOperationException("global_avg_pool traces into adaptive_avg_pool2d");
    }

    /// <summary><c>AdaptiveAvgPool2d(outputSize)</c>: no parameters.</summary>
    internal sealed class AdaptiveAvgPoolLayer : LayerDefinition
    {
        public override string TypeName => "AdaptiveAvgPool2d";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.AdaptiveAvgPool2d };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            double size = Arg(layer, "outputSize", -1);
            if (size < 1 || size != System.Math.Floor(size) || size > 65536)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, $"outputSize must be a positive integer, but is {Format.Number(size)}");
            return System.Array.Empty<ParameterInfo>();
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
            => AdaptiveAvgPoolOp.Make(tracer, call, args[0], layer.Name, (int)Arg(layer, "outputSize", 1), global: false, layer: layer.Name);
    }

    /// <summary>
    /// <c>Ops.Upsample(x, scale, bilinear)</c> of NCHW images (Geometry [C, H, W, scale, bilinear ? 1 : 0]): nearest or
    /// bilinear with align_corners=False. The backward keeps nothing.
    /// </summary>
    internal sealed class UpsampleOp : Operator
    {
        public override OpKind Kind => OpKind.Upsample;
        public override string Name => "upsample";
        public override string OpsMethod => "Upsample";

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int x = args[0];
            int[] values = ConstArgs.Ints(tracer, call, args, 1, "Upsample");
            int scale = values[0], bilinear = values.Length > 1 && values[1] != 0 ? 1 : 0;
            Shape input = Images.Require(tracer, call, x, "Upsample");
            if (scale < 1 || (long)input[2].Size * scale > 65536 || (long)input[3].Size * scale > 65536)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, $"Upsample by {Format.Int(scale)}",
                    "a positive scale that keeps each side at most 65536 pixels", $"{input} from {tracer.Describe(x)}");
            Shape shape = Shape.Of(input[0], input[1], Dim.Of(input[2].Size * scale), Dim.Of(input[3].Size * scale));
            return tracer.Add(new Node(-1, OpKind.Upsample, EquatableArray.Create(x), shape, call.Origin)
            {
                Geometry = EquatableArray.Create(input[1].Size, input[2].Size, input[3].Size, scale, bilinear),
            });
        }

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (g.NeedsGrad(x))
                g.Accumulate(x, g.Add(new Node(-1, OpKind.UpsampleGrad, EquatableArray.Create(dY), g[x].Shape, -1) { Geometry = node.Geometry }));
        }

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Resampling.UpsampleForward<float>({context.Span(node.Input(0))}, {context.Span(node.Id)}, {Images.Arguments(context, node)});");
    }

    /// <summary>The gradient of Upsample (input: the output gradient).</summary>
    internal sealed class UpsampleGradOp : Operator
    {
        public override OpKind Kind => OpKind.UpsampleGrad;
        public override string Name => "upsample_grad";

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Resampling.UpsampleBackward<float>({context.Span(node.Input(0))}, {context.Span(node.Id)}, {Images.Arguments(context, node)});");
    }

    internal static class Images
    {
        /// <summary>Fails unless x is a float [N, C, H, W] with static C, H and W.</summary>
        public static Shape Require(GraphTracer tracer, ExprSpec call, int x, string op)
        {
            tracer.RequireFloat(x, op, call.Origin);
            Shape input = tracer[x].Shape;
            if (input.Rank != 4 || input[1].IsSymbolic || input[2].IsSymbolic || input[3].IsSymbolic)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op, "images [N, C, H, W]", $"{input} from {tracer.Describe(x)}");
            return input;
        }

        /// <summary>The kernels' trailing arguments: planes (N·C), then the geometry after C (bilinear as a bool).</summary>
        public static string Arguments(CpuEmitContext context, Node node)
        {
            EquatableArray<int> g = node.Geometry;
            string planes = node.Shape[0].IsSymbolic ? $"{context.Batch} * {Format.Int(g[0])}" : Format.Int(node.Shape[0].Size * g[0]);
            string rest = node.Op == OpKind.Upsample || node.Op == OpKind.UpsampleGrad
                ? $"{Format.Int(g[1])}, {Format.Int(g[2])}, {Format.Int(g[3])}, {(g[4] != 0 ? "true" : "false")}"
                : $"{Format.Int(g[1])}, {Format.Int(g[2])}, {Format.Int(g[3])}, {Format.Int(g[4])}";
            return planes + ", " + rest;
        }
    }
}
