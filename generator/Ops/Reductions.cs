using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>Sum or Mean of every element, to a scalar. The backward spreads the gradient (scaled by 1/n for Mean).</summary>
    internal sealed class ReduceOp : Operator
    {
        public ReduceOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind.ToString().ToLowerInvariant();

        public override string OpsMethod => Kind.ToString();

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            // Sum(x, axis, keepDims) and Mean(x, axis, keepDims) share the method name; they reduce one axis.
            if (args.Length > 1)
                return AxisReduceOp.TraceAxis(tracer, call, args, Kind == OpKind.Sum ? OpKind.SumAxis : OpKind.MeanAxis, OpsMethod);
            tracer.RequireFloat(args[0], OpsMethod, call.Origin);
            return tracer.Add(new Node(-1, Kind, EquatableArray.Create(args), Shape.Scalar, call.Origin));
        }

        public override void Differentiate(GradientBuilder g, Node node, int dC)
        {
            int x = node.Input(0);
            if (!g.NeedsGrad(x)) return;
            g.Accumulate(x, g.Add(new Node(-1, OpKind.Expand, EquatableArray.Create(dC), g[x].Shape, -1) { Value = Kind == OpKind.Mean ? 1 : 0 }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            int x = node.Input(0);
            string sum = $"global::System.Numerics.Tensors.TensorPrimitives.Sum<float>({context.Span(x)})";
            string value = Kind == OpKind.Mean ? $"{sum} / ({context.Count(x)})" : sum;
            context.Line($"{context.Scalar(node.Id)} = {value};");
        }
    }

    /// <summary>Fills a tensor with a scalar gradient; Value 1 divides it by the element count (the gradient of Mean).</summary>
    internal sealed class ExpandOp : Operator
    {
        public override OpKind Kind => OpKind.Expand;
        public override string Name => "expand";

        public override void Emit(CpuEmitContext context, Node node)
        {
            string value = context.Scalar(node.Input(0));
            if (node.Value != 0) value = $"{value} / ({context.Count(node.Id)})";
            context.Line($"{context.Span(node.Id)}.Fill({value});");
        }
    }

    /// <summary>Sums a gradient back to the shape of a broadcast operand (a bias gradient sums over rows).</summary>
    internal sealed class SumToOp : Operator
    {
        public override OpKind Kind => OpKind.SumTo;
        public override string Name => "sum_to";

        public override void Emit(CpuEmitContext context, Node node)
        {
            int src = node.Input(0);
            Shape from = context.Graph[src].Shape, to = node.Shape;
            if (to.Rank == 0)
                context.Line($"{context.Scalar(node.Id)} = global::System.Numerics.Tensors.TensorPrimitives.Sum<float>({context.Span(src)});");
            else if (to.Rank == 1 && from.Rank >= 2 && from.Last == to.Last)
                context.Line($"global::ModelGen.Kernels.Broadcasting.SumRows<float>({context.Span(src)}, {from.Rows.ToCode(context.Batch)}, {Format.Int(to.Last.Size)}, {context.Span(node.Id)}, false);");
            else
                context.Line($"global::ModelGen.Kernels.Broadcasting.SumToShape<float>({context.Span(src)}, {context.ShapeOf(src)}, {context.Span(node.Id)}, {context.ShapeOf(node.Id)}, false);");
        }
    }

    /// <summary>
    /// Sum, Mean or Max along one axis, kept with size 1 or removed. Geometry is [axis] (made non-negative). Sum and
    /// Mean keep nothing for the backward (it broadcasts the gradient back along the axis); Max keeps its input and
    /// output and routes each gradient to the first maximal element, as PyTorch.
    /// </summary>
    internal sealed class AxisReduceOp : Operator
    {
        public AxisReduceOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.SumAxis ? "sum_axis" : Kind == OpKind.MeanAxis ? "mean_axis" : "max_axis";

        /// <summary>Max is traced directly; Sum and Mean arrive through <see cref="ReduceOp"/>, which owns their names.</summary>
        public override string? OpsMethod => Kind == OpKind.MaxAxis ? "Max" : null;

        public override SavedValues Saves => Kind == OpKind.MaxAxis ? SavedValues.None.WithInput(0).WithOutput() : SavedValues.None;

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
            => TraceAxis(tracer, call, args, Kind, "Max");

        public static int TraceAxis(GraphTracer tracer, ExprSpec call, int[] args, OpKind kind, string method)
        {
            int x = args[0];
            tracer.RequireFloat(x, method, call.Origin);
            Shape shape = tracer[x].Shape;
            int axis = (int)ConstantArgument(tracer, call, args, 1, method, "axis", 0);
            bool keepDims = ConstantArgument(tracer, call, args, 2, method, "keepDims", 0) != 0;
            if (axis < -shape.Rank || axis >= shape.Rank)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, method,
                    $"an axis from {-shape.Rank} to {shape.Rank - 1} for {shape} from {tracer.Describe(x)}", $"axis {axis}");
            if (axis < 0) axis += shape.Rank;
            Dim[] dims = keepDims
                ? shape.Dims.Select((d, i) => i == axis ? Dim.Of(1) : d).ToArray()
                : shape.Dims.Where((d, i) => i != axis).ToArray();
            return tracer.Add(new Node(-1, kind, EquatableArray.Create(x), Shape.Of(dims), call.Origin) { Geometry = EquatableArray.Create(axis) });
        }

        /// <summary>The build-time value of an extra argument (an axis, a flag), or <paramref name="fallback"/> when omitted.</summary>
        public static double ConstantArgument(GraphTracer tracer, ExprSpec call, int[] args, int index, string method, string name, double fallback)
        {
            if (index >= args.Length) return fallback;
            Node node = tracer[args[index]];
            if (node.Op != OpKind.Const)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, method,
                    $"a constant {name} known at build time", tracer.Describe(args[index]));
            return node.Value;
        }

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (!g.NeedsGrad(x)) return;
            EquatableArray<int> inputs = Kind == OpKind.MaxAxis ? EquatableArray.Create(dY, x, node.Id) : EquatableArray.Create(dY);
            OpKind grad = Kind == OpKind.MaxAxis ? OpKind.MaxAxisGrad : OpKind.SumAxisGrad;
            g.Accumulate(x, g.Add(new Node(-1, grad, inputs, g[x].Shape, -1) { Geometry = node.Geometry, Value = Kind == OpKind.MeanAxis ? 1 : 0 }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            int x = node.Input(0);
            string kernel = Kind == OpKind.SumAxis ? "SumAxis" : Kind == OpKind.MeanAxis ? "MeanAxis" : "MaxAxis";
            context.Line($"global::ModelGen.Kernels.Reductions.{kernel}<float>({context.Span(x)}, {context.Span(node.Id)}, {Extents(context, context.Graph[x].Shape, node.Geometry[0])});");
        }

        /// <summary>"outer, length, inner" of a shape around an axis, as C#.</summary>
        public static string Extents(CpuEmitContext context, Shape shape, int axis)
            => $"{SizeExpr.Product(shape.Dims.Take(axis)).ToCode(context.Batch)}, {shape[axis].ToCode(context.Batch)}, {SizeExpr.Product(shape.Dims.Skip(axis + 1)).ToCode(context.Batch)}";
    }

    /// <summary>
    /// The gradient of an axis reduction, with the input's shape: Sum/Mean (input: output gradient; Value 1 divides by
    /// the axis length) or Max (inputs: output gradient, input, output).
    /// </summary>
    internal sealed class AxisReduceGradOp : Operator
    {
        public AxisReduceGradOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.MaxAxisGrad ? "max_axis_grad" : "sum_axis_grad";

        public override void Emit(CpuEmitContext context, Node node)
        {
            int axis = node.Geometry[0];
            string extents = AxisReduceOp.Extents(context, node.Shape, axis);
            // A reduction to a scalar that is itself the loss receives the constant seed 1 as its gradient.
            int dY = node.Input(0);
            string gradient = context.IsConst(dY) ? $"stackalloc float[] {{ {context.Scalar(dY)} }}" : context.Span(dY);
            if (Kind == OpKind.MaxAxisGrad)
            {
                context.Line($"global::ModelGen.Kernels.Reductions.MaxAxisBackward<float>({gradient}, {context.Span(node.Input(1))}, {context.Span(node.Input(2))}, {context.Span(node.Id)}, {extents});");
                return;
            }
            string scale = node.Value != 0 ? $"1f / ({node.Shape[axis].ToCode(context.Batch)})" : "1f";
            context.Line($"global::ModelGen.Kernels.Reductions.SumAxisBackward<float>({gradient}, {context.Span(node.Id)}, {extents}, {scale});");
        }
    }
}
