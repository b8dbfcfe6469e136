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

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            int weight = tracer.ParamNode(firstParameter, layer.Origin);
            Shape input = tracer[x].Shape, w = tracer[weight].Shape;
            int groups = (int)Arg(layer, "groups", 1), inChannels = w[0].Size, outChannels = w[1].Size * groups;
            if (input.Rank == 4 && input[1] != Dim.Of(inChannels))
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                    $"{inChannels} input channels", $"{input}: {tracer.Explain(input[1], x)}");
            if (input.Rank != 4 || input[2].IsSymbolic || input[3].IsSymbolic)
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
