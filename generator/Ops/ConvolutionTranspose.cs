using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// 2-D transposed convolution over NCHW (the input gradient of a Conv2d), as a GEMM and col2im in the runtime.
    /// Inputs: x, weight [in, out/groups, k, k], optional bias. Every node of the family (forward and gradients)
    /// carries the full geometry [C, H, W, O, kh, kw, sh, sw, ph, pw, oph, opw, dh, dw, groups], the runtime's
    /// ConvTranspose2dGeometry constructor arguments.
    /// </summary>
    internal sealed class ConvTranspose2dOp : Operator
    {
        public override OpKind Kind => OpKind.ConvTranspose2d;
        public override string Name => "conv_transpose2d";
        public override SavedValues Saves => SavedValues.None.WithNames("x", "W", "bias").WithInput(0, forGradientOf: 1).WithInput(1, forGradientOf: 0);

        public override SizeExpr Workspace(Graph graph, Node node) => ConvolutionTransposeGeometry.Workspace(node.Geometry);

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0), weight = node.Input(1);
            if (g.NeedsGrad(x))
                g.Accumulate(x, g.Add(new Node(-1, OpKind.ConvTranspose2dGradInput, EquatableArray.Create(dY, weight), g[x].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
            if (g.NeedsGrad(weight))
                g.Accumulate(weight, g.Add(new Node(-1, OpKind.ConvTranspose2dGradWeight, EquatableArray.Create(dY, x), g[weight].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
            if (node.Inputs.Count > 2 && g.NeedsGrad(node.Input(2)))
                g.Accumulate(node.Input(2), g.Add(new Node(-1, OpKind.ConvTranspose2dGradBias, EquatableArray.Create(dY), g[node.Input(2)].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            string bias = node.Inputs.Count > 2 ? context.Span(node.Input(2)) : "ReadOnlySpan<float>.Empty";
            context.Line($"Convolution.ConvTranspose2dForward<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {bias}, {context.Span(node.Id)}, " +
                         $"{node.Shape[0].ToCode(context.Batch)}, {ConvolutionTransposeGeometry.Field(context, node)}, {context.Workspace(Workspace(context.Graph, node))});");
        }
    }

    /// <summary>The gradient of a transposed convolution's input, a Conv2d of the output gradient (inputs: output gradient, weight).</summary>
    internal sealed class ConvTranspose2dGradInputOp : Operator
    {
        public override OpKind Kind => OpKind.ConvTranspose2dGradInput;
        public override string Name => "conv_transpose2d_grad_input";
        public override SizeExpr Workspace(Graph graph, Node node) => ConvolutionTransposeGeometry.Workspace(node.Geometry);

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"Convolution.ConvTranspose2dBackwardInput<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Id)}, " +
                            $"{node.Shape[0].ToCode(context.Batch)}, {ConvolutionTransposeGeometry.Field(context, node)}, {context.Workspace(Workspace(context.Graph, node))});");
    }

    /// <summary>The gradient of a transposed convolution's weight, summed over the batch (inputs: output gradient, input).</summary>
    internal sealed class ConvTranspose2dGradWeightOp : Operator
    {
        public override OpKind Kind => OpKind.ConvTranspose2dGradWeight;
        public override string Name => "conv_transpose2d_grad_weight";
        public override SizeExpr Workspace(Graph graph, Node node) => ConvolutionTransposeGeometry.Workspace(node.Geometry);

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"Convolution.ConvTranspose2dBackwardWeight<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Id)}, " +
                            $"{context.Graph[node.Input(1)].Shape[0].ToCode(context.Batch)}, {ConvolutionTransposeGeometry.Field(context, node)}, {context.Workspace(Workspace(context.Graph, node))});");
    }

    /// <summary>The gradient of a transposed convolution's bias: the output gradient summed per channel (input: output gradient).</summary>
    internal sealed class ConvTranspose2dGradBiasOp : Operator
    {
        public override OpKind Kind => OpKind.ConvTranspose2dGradBias;
        public override string Name => "conv_transpose2d_grad_bias";

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"Convolution.ConvTranspose2dBackwardBias<float>({context.Span(node.Input(0))}, {context.Span(node.Id)}, " +
                            $"{context.Graph[node.Input(0)].Shape[0].ToCode(context.Batch)}, {ConvolutionTransposeGeometry.Field(context, node)});");
    }

    /// <summary>The geometry every transposed-convolution node carries, and its workspace (one image's columns of one group).</summary>
    internal static class ConvolutionTransposeGeometry
    {
        public static long OutSize(int size, int kernel, int stride, int padding, int outputPadding, int dilation)
            => (size - 1L) * stride - 2L * padding + (long)dilation * (kernel - 1) + outputPadding + 1;

        /// <summary>(O/groups)·kh·kw·H·W, as the runtime's WorkspaceSize; 0 for a pointwise kernel, which needs none.</summary>
        public static SizeExpr Workspace(EquatableArray<int> g)
        {
            bool pointwise = g[4] == 1 && g[5] == 1 && g[6] == 1 && g[7] == 1 && g[8] == 0 && g[9] == 0 && g[10] == 0 && g[11] == 0;
            return new SizeExpr(0, pointwise ? 0 : (long)(g[3] / g[14]) * g[4] * g[5] * g[1] * g[2]);
        }

        public static string Field(CpuEmitContext context, Node node)
            => context.Fields.Get("ConvTranspose2dGeometry", string.Join(", ", node.Geometry.Select(Format.Int)));
    }

    /// <summary>
    /// <c>ConvTranspose2d(inChannels, outChannels, kernelSize, stride = 1, padding = 0, outputPadding = 0, groups = 1,
    /// bias = true, dilation = 1)</c> on [N, C, H, W]; weight [in, out/groups, k, k] and bias [out] as PyTorch names and
    /// shapes them.
    /// </summary>
    internal sealed class ConvTranspose2dLayer : LayerDefinition
    {
        public override string TypeName => "ConvTranspose2d";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.ConvTranspose2d };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            int inChannels = Positive(tracer, layer, "inChannels", -1), outChannels = Positive(tracer, layer, "outChannels", -1);
            int kernel = Positive(tracer, layer, "kernelSize", -1), groups = Positive(tracer, layer, "groups", 1);
            int stride = Positive(tracer, layer, "stride", 1), dilation = Positive(tracer, layer, "dilation", 1);
            if (Arg(layer, "padding", 0) < 0)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, "padding must not be negative");
            double outputPadding = Arg(layer, "outputPadding", 0);
            if (outputPadding < 0 || (outputPadding >= stride && outputPadding >= dilation))
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name,
                    $"outputPadding ({Format.Number(outputPadding)}) must be non-negative and smaller than either stride ({stride}) or dilation ({dilation})");
            if (inChannels % groups != 0 || outChannels % groups != 0)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name,
                    $"inChannels ({inChannels}) and outChannels ({outChannels}) must both be divisible by groups ({groups})");
            yield return new ParameterInfo(layer.Name + ".weight", layer.Name + ".Weight",
                Shape.Of(Dim.Of(inChannels), Dim.Of(outChannels / groups), Dim.Of(kernel), Dim.Of(kernel)), layer.Name);
            if (Arg(layer, "bias", 1) != 0)
                yield return new ParameterInfo(layer.Name + ".bias", layer.Name + ".Bias!", Shape.Of(Dim.Of(outChannels)), layer.Name);
        }

        private static int Positive(GraphTracer tracer, LayerSpec layer, string name, double fallback)
        {
            double value = Arg(layer, name, fallback);
            if (value < 1 || value != System.Math.Floor(value) || value > int.MaxValue)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, $"{name} must be a positive integer, but is {Format.Number(value)}");
            return (int)value;
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            int weight = tracer.ParamNode(firstParameter, layer.Origin);
            Shape input = tracer[x].Shape, w = tracer[weight].Shape;
            int groups = (int)Arg(layer, "groups", 1), inChannels = w[0].Size, outChannels = w[1].Size * groups;
            if (input.Rank != 4 || input[1] != Dim.Of(inChannels) || input[2].IsSymbolic || input[3].IsSymbolic)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                    $"[N, {inChannels}, H, W] ({inChannels} input channels)", $"{input} from {tracer.Describe(x)}");
            int kernel = w[2].Size, stride = (int)Arg(layer, "stride", 1), padding = (int)Arg(layer, "padding", 0);
            int outputPadding = (int)Arg(layer, "outputPadding", 0), dilation = (int)Arg(layer, "dilation", 1);
            long outHeight = ConvolutionTransposeGeometry.OutSize(input[2].Size, kernel, stride, padding, outputPadding, dilation);
            long outWidth = ConvolutionTransposeGeometry.OutSize(input[3].Size, kernel, stride, padding, outputPadding, dilation);
            if (outHeight < 1 || outWidth < 1 || outHeight > int.MaxValue || outWidth > int.MaxValue)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                    $"an image whose output (H - 1)*{stride} - {2 * padding} + {dilation * (kernel - 1) + outputPadding + 1} is at least 1 pixel in each direction",
                    $"{input} from {tracer.Describe(x)}");

            var inputs = new List<int> { x, weight };
            if (Arg(layer, "bias", 1) != 0) inputs.Add(tracer.ParamNode(firstParameter + 1, layer.Origin));
            return tracer.Add(new Node(-1, OpKind.ConvTranspose2d, inputs.ToEquatableArray(),
                Shape.Of(input[0], Dim.Of(outChannels), Dim.Of((int)outHeight), Dim.Of((int)outWidth)), call.Origin)
            {
                Layer = layer.Name,
                Geometry = EquatableArray.Create(inChannels, input[2].Size, input[3].Size, outChannels, kernel, kernel, stride, stride,
                    padding, padding, outputPadding, outputPadding, dilation, dilation, groups),
            });
        }
    }
}
