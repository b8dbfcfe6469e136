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
    /// <c>Ops.Concat(a, b, axis)</c>: a then b along one axis (Geometry [axis]), never the batch axis. The kernels see each
    /// tensor as [outer, axis, inner]. The gradients are two slices of the output gradient; nothing is kept.
    /// </summary>
    internal sealed class ConcatOp : Operator
    {
        public override OpKind Kind => OpKind.Concat;
        public override string Name => "concat";
        public override string OpsMethod => "Concat";

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int a = args[0], b = args[1];
            tracer.RequireFloat(a, "Concat", call.Origin);
            tracer.RequireFloat(b, "Concat", call.Origin);
            Shape sa = tracer[a].Shape, sb = tracer[b].Shape;
            int requested = ConstArgs.Ints(tracer, call, args, 2, "Concat")[0];
            int axis = ConstArgs.Axis(requested, sa.Rank);
            string op = $"Concat along axis {Format.Int(requested)}";
            string both = $"{sa} from {tracer.Describe(a)} and {sb} from {tracer.Describe(b)}";
            if (axis < 0)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op, $"tensors with an axis {Format.Int(requested)}", both);
            if (sa[0].IsSymbolic && axis == 0)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    $"an axis other than the batch axis 0 (compiled models keep the symbolic batch {sa[0]} leading)", both);
            if (sa.Rank != sb.Rank)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op, "tensors of the same rank", both);
            int differing = Enumerable.Range(0, sa.Rank).Where(i => i != axis && sa[i] != sb[i]).DefaultIfEmpty(-1).First();
            if (differing >= 0)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    "tensors that match in every other axis",
                    $"{sa} and {sb}, which differ in axis {Format.Int(differing)}: {tracer.Explain(sa[differing], a)}, {tracer.Explain(sb[differing], b)}");
            Shape shape = Shape.Of(sa.Dims.Select((d, i) => i == axis ? Dim.Of(d.Size + sb[i].Size) : d));
            return tracer.Add(new Node(-1, OpKind.Concat, EquatableArray.Create(a, b), shape, call.Origin) { Geometry = EquatableArray.Create(axis) });
        }

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int a = node.Input(0), b = node.Input(1), axis = node.Geometry[0];
            int aLength = g[a].Shape[axis].Size;
            if (g.NeedsGrad(a))
                g.Accumulate(a, g.Add(new Node(-1, OpKind.Slice, EquatableArray.Create(dY), g[a].Shape, -1) { Geometry = EquatableArray.Create(axis, 0, aLength) }));
            if (g.NeedsGrad(b))
                g.Accumulate(b, g.Add(new Node(-1, OpKind.Slice, EquatableArray.Create(dY), g[b].Shape, -1) { Geometry = EquatableArray.Create(axis, aLength, g[b].Shape[axis].Size) }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            int a = node.Input(0), b = node.Input(1), axis = node.Geometry[0];
            context.Line($"global::ModelGen.Kernels.Layout.Concat<float>({context.Span(a)}, {context.Span(b)}, {Sizes.Outer(context, node.Shape, axis)}, " +
                $"{Format.Int(context.Graph[a].Shape[axis].Size)}, {Format.Int(context.Graph[b].Shape[axis].Size)}, {Sizes.Inner(node.Shape, axis)}, {context.Span(node.Id)});");
        }
    }

    /// <summary>
    /// <c>Ops.Slice(x, axis, start, length)</c> (Geometry [axis, start, length]), never along the batch axis; also the
    /// gradient of Concat. Its gradient scatters the output gradient into zeros and keeps nothing.
    /// </summary>
    internal sealed class SliceOp : Operator
    {
        public override OpKind Kind => OpKind.Slice;
        public override string Name => "slice";
        public override string OpsMethod => "Slice";

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, "Slice", call.Origin);
            Shape input = tracer[x].Shape;
            int[] values = ConstArgs.Ints(tracer, call, args, 1, "Slice");
            int axis = ConstArgs.Axis(values[0], input.Rank), start = values[1], length = values[2];
            string op = $"Slice(axis {Format.Int(values[0])}, start {Format.Int(start)}, length {Format.Int(length)})";
            if (axis < 0)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op, $"a tensor with an axis {Format.Int(values[0])}", $"{input} from {tracer.Describe(x)}");
            if (input[axis].IsSymbolic)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    $"an axis other than the batch axis 0 (compiled models keep the symbolic batch {input[0]} whole)", $"{input} from {tracer.Describe(x)}");
            if (start < 0 || length < 1 || start > input[axis].Size - length)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    $"axis {Format.Int(axis)} to hold positions {Format.Int(start)} to {Format.Int(start + length - 1)}", $"{input} from {tracer.Describe(x)}");
            Shape shape = Shape.Of(input.Dims.Select((d, i) => i == axis ? Dim.Of(length) : d));
            return tracer.Add(new Node(-1, OpKind.Slice, EquatableArray.Create(x), shape, call.Origin) { Geometry = EquatableArray.Create(axis, start, length) });
        }

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (g.NeedsGrad(x))
                g.Accumulate(x, g.Add(new Node(-1, OpKind.SliceGrad, EquatableArray.Create(dY), g[x].Shape, -1) { Geometry = node.Geometry }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            int x = node.Input(0), axis = node.Geometry[0];
            Shape input = context.Graph[x].Shape;
            context.Line($"global::ModelGen.Kernels.Layout.Slice<float>({context.Span(x)}, {Sizes.Outer(context, input, axis)}, {Format.Int(input[axis].Size)}, {Sizes.Inner(input, axis)}, " +
                $"{Format.Int(node.Geometry[1])}, {Format.Int(node.Geometry[2])}, {context.Span(node.Id)});");
        }
    }

    /// <summary>The gradient of Slice (input: the output gradient): zeros with the gradient at the sliced positions.</summary>
    internal sealed class SliceGradOp : Operator
    {
        public override OpKind Kind => OpKind.SliceGrad;
        public override string Name => "slice_grad";

        public override void Emit(CpuEmitContext context, Node node)
        {
            int axis = node.Geometry[0];
            context.Line($"global::ModelGen.Kernels.Layout.SliceBackward<float>({context.Span(node.Input(0))}, {Sizes.Outer(context, node.Shape, axis)}, {Format.Int(node.Shape[axis].Size)}, " +
                $"{Sizes.Inner(node.Shape, axis)}, {Format.Int(node.Geometry[1])}, {Format.Int(node.Geometry[2])}, {context.Span(node.Id)});");
        }
    }

    /// <summary>The [outer, axis, inner] view of a shape that the layout kernels take.</summary>
    internal static class Sizes
    {
        public static string Outer(CpuEmitContext context, Shape shape, int axis) => SizeExpr.Product(shape.Dims.Take(axis)).ToCode(context.Batch);

        public static string Inner(Shape shape, int axis) => Format.Int(shape.Dims.Skip(axis + 1).Aggregate(1, (p, d) => p * d.Size));
    }
}
