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
    /// Max and average pooling over NCHW. Nodes carry the runtime's Pool2dGeometry arguments
    /// [C, H, W, kh, kw, sh, sw, ph, pw]. Max pooling's backward recomputes each window's first maximum from the
    /// input and output, so no index buffer is kept; average pooling's backward needs nothing.
    /// </summary>
    internal sealed class PoolOp : Operator
    {
        public PoolOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.MaxPool2d ? "max_pool2d" : "avg_pool2d";

        public override SavedValues Saves => Kind == OpKind.MaxPool2d ? SavedValues.None.WithInput(0).WithOutput() : SavedValues.None;

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (!g.NeedsGrad(x)) return;
            EquatableArray<int> inputs = Kind == OpKind.MaxPool2d ? EquatableArray.Create(dY, x, node.Id) : EquatableArray.Create(dY);
            OpKind grad = Kind == OpKind.MaxPool2d ? OpKind.MaxPool2dGrad : OpKind.AvgPool2dGrad;
            g.Accumulate(x, g.Add(new Node(-1, grad, inputs, g[x].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            if (context.Int8?.FusesPool(node.Id) == true)
                context.Line("// runs in the int8 convolution above, or after its float fallback (ConvolutionOp.FusedInt8MaxPool)");
            else
                context.Line(Call(context, node));
        }

        /// <summary>The runtime call that pools <paramref name="node"/>'s input into its output.</summary>
        public static string Call(CpuEmitContext context, Node node)
            => $"global::ModelGen.Kernels.Pooling.{(node.Op == OpKind.MaxPool2d ? "MaxPool2d" : "AvgPool2d")}Forward<float>({context.Span(node.Input(0))}, {context.Span(node.Id)}, {node.Shape[0].ToCode(context.Batch)}, {PoolGeometry.Field(context, node)});";
    }

    /// <summary>The gradient of pooling: max (inputs: output gradient, input, output) or average (input: output gradient).</summary>
    internal sealed class PoolGradOp : Operator
    {
        public PoolGradOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.MaxPool2dGrad ? "max_pool2d_grad" : "avg_pool2d_grad";

        public override void Emit(CpuEmitContext context, Node node)
        {
            string batch = node.Shape[0].ToCode(context.Batch), geometry = PoolGeometry.Field(context, node);
            if (Kind == OpKind.MaxPool2dGrad)
                context.Line($"global::ModelGen.Kernels.Pooling.MaxPool2dBackward<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Input(2))}, {context.Span(node.Id)}, {batch}, {geometry});");
            else
                context.Line($"global::ModelGen.Kernels.Pooling.AvgPool2dBackward<float>({context.Span(node.Input(0))}, {context.Span(node.Id)}, {batch}, {geometry});");
        }
    }

    internal static class PoolGeometry
    {
        public static string Field(CpuEmitContext context, Node node)
            => context.Fields.Get("Pool2dGeometry", string.Join(", ", node.Geometry.Select(Format.Int)));
    }

    /// <summary><c>MaxPool2d(kernelSize, stride = 0, padding = 0)</c> and <c>AvgPool2d(...)</c>: stride 0 means the kernel size, as PyTorch's default.</summary>
    internal sealed class PoolLayer : LayerDefinition
    {
        private readonly OpKind _kind;

        public PoolLayer(OpKind kind) => _kind = kind;

        public override string TypeName => _kind == OpKind.MaxPool2d ? "MaxPool2d" : "AvgPool2d";

        public override IReadOnlyList<OpKind> Operators => new[] { _kind };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            double kernel = Arg(layer, "kernelSize", -1), stride = Arg(layer, "stride", 0), padding = Arg(layer, "padding", 0);
            if (kernel < 1 || stride < 0 || padding < 0 || padding > kernel / 2)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name,
                    $"kernelSize must be positive, stride not negative, and padding at most half the kernel (kernelSize {Format.Number(kernel)}, stride {Format.Number(stride)}, padding {Format.Number(padding)})");
            return System.Array.Empty<ParameterInfo>();
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            Shape input = tracer[x].Shape;
            int kernel = (int)Arg(layer, "kernelSize", 1), padding = (int)Arg(layer, "padding", 0);
            int stride = (int)Arg(layer, "stride", 0);
            if (stride == 0) stride = kernel;
            if (input.Rank != 4 || input[2].IsSymbolic || input[3].IsSymbolic)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name, "[N, C, H, W]", $"{input} from {tracer.Describe(x)}");
            int outHeight = (input[2].Size + 2 * padding - kernel) / stride + 1, outWidth = (input[3].Size + 2 * padding - kernel) / stride + 1;
            if (input[2].Size + 2 * padding < kernel || input[3].Size + 2 * padding < kernel)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                    $"an image of at least {kernel - 2 * padding}x{kernel - 2 * padding} pixels", $"{input} from {tracer.Describe(x)}");
            return tracer.Add(new Node(-1, _kind, EquatableArray.Create(x), Shape.Of(input[0], input[1], Dim.Of(outHeight), Dim.Of(outWidth)), call.Origin)
            {
                Layer = layer.Name,
                Geometry = EquatableArray.Create(input[1].Size, input[2].Size, input[3].Size, kernel, kernel, stride, stride, padding, padding),
            });
        }
    }
}
