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
    /// The geometry every convolution node carries, [C, H, W, O, kh, kw, sh, sw, ph, pw, dh, dw, groups] (the runtime's
    /// Conv2dGeometry constructor arguments), and its workspace: one image's im2col of one group. The operators are
    /// the shared <see cref="ConvolutionOp"/> and <see cref="ConvolutionGradOp"/> of <see cref="ConvolutionFamily.Plain"/>.
    /// </summary>
    internal static class ConvolutionGeometry
    {
        public static int OutSize(int size, int kernel, int stride, int padding, int dilation)
            => (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;

        public static SizeExpr Workspace(EquatableArray<int> g)
        {
            int outHeight = OutSize(g[1], g[4], g[6], g[8], g[10]), outWidth = OutSize(g[2], g[5], g[7], g[9], g[11]);
            return new SizeExpr(0, (long)(g[0] / g[12]) * g[4] * g[5] * outHeight * outWidth);
        }
    }

    /// <summary>
    /// <c>Conv2d(inChannels, outChannels, kernelSize, stride = 1, padding = 0, dilation = 1, groups = 1, bias = true)</c>
    /// on [N, C, H, W]; weight [out, in/groups, k, k] and bias [out] as PyTorch names and shapes them.
    /// </summary>
    internal sealed class Conv2dLayer : LayerDefinition
    {
        public override string TypeName => "Conv2d";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.Conv2d };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            int inChannels = Positive(tracer, layer, "inChannels", -1), outChannels = Positive(tracer, layer, "outChannels", -1);
            int kernel = Positive(tracer, layer, "kernelSize", -1), groups = Positive(tracer, layer, "groups", 1);
            Positive(tracer, layer, "stride", 1);
            Positive(tracer, layer, "dilation", 1);
            if (Arg(layer, "padding", 0) < 0)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, "padding must not be negative");
            if (inChannels % groups != 0 || outChannels % groups != 0)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name,
                    $"inChannels ({inChannels}) and outChannels ({outChannels}) must both be divisible by groups ({groups})");
            yield return new ParameterInfo(layer.Name + ".weight", layer.Name + ".Weight",
                Shape.Of(Dim.Of(outChannels), Dim.Of(inChannels / groups), Dim.Of(kernel), Dim.Of(kernel)), layer.Name);
            if (Arg(layer, "bias", 1) != 0)
                yield return new ParameterInfo(layer.Name + ".bias", layer.Name + ".Bias!", Shape.Of(Dim.Of(outChannels)), layer.Name);
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            int weight = tracer.ParamNode(firstParameter, layer.Origin);
            Shape input = tracer[x].Shape, w = tracer[weight].Shape;
            int groups = (int)Arg(layer, "groups", 1), inChannels = w[1].Size * groups;
            if (input.Rank == 4 && input[1] != Dim.Of(inChannels))
            {
                ModelErrorException error = tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                    $"{inChannels} input channels", $"{input}: {tracer.Explain(input[1], x)}");
                // Only a channel count alone at fault (and one the groups divide) has a code fix: the declaration takes it.
                bool channelsAlone = !input[1].IsSymbolic && !input[2].IsSymbolic && !input[3].IsSymbolic && input[1].Size % groups == 0;
                throw channelsAlone ? error.WithProperties(LayerArgumentFacts.Create(layer.Name, "inChannels", input[1].Size)) : error;
            }
            if (input.Rank != 4 || input[2].IsSymbolic || input[3].IsSymbolic)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                    $"[N, {inChannels}, H, W] ({inChannels} input channels)", $"{input} from {tracer.Describe(x)}");
            int kernel = w[2].Size, stride = (int)Arg(layer, "stride", 1), padding = (int)Arg(layer, "padding", 0), dilation = (int)Arg(layer, "dilation", 1);
            int outHeight = ConvolutionGeometry.OutSize(input[2].Size, kernel, stride, padding, dilation);
            int outWidth = ConvolutionGeometry.OutSize(input[3].Size, kernel, stride, padding, dilation);
            if (outHeight < 1 || outWidth < 1)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                    $"an image of at least {dilation * (kernel - 1) + 1 - 2 * padding}x{dilation * (kernel - 1) + 1 - 2 * padding} pixels", $"{input} from {tracer.Describe(x)}");

            var inputs = new List<int> { x, weight };
            if (Arg(layer, "bias", 1) != 0) inputs.Add(tracer.ParamNode(firstParameter + 1, layer.Origin));
            return tracer.Add(new Node(-1, OpKind.Conv2d, inputs.ToEquatableArray(),
                Shape.Of(input[0], w[0], Dim.Of(outHeight), Dim.Of(outWidth)), call.Origin)
            {
                Layer = layer.Name,
                Geometry = EquatableArray.Create(inChannels, input[2].Size, input[3].Size, w[0].Size, kernel, kernel, stride, stride, padding, padding, dilation, dilation, groups),
            });
        }
    }
}
