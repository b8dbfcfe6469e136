using ModelGen.Generator.Common;
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
                context.Line($"Broadcasting.SumRows<float>({context.Span(src)}, {from.Rows.ToCode(context.Batch)}, {Format.Int(to.Last.Size)}, {context.Span(node.Id)}, false);");
            else
                context.Line($"Broadcasting.SumToShape<float>({context.Span(src)}, {context.ShapeOf(src)}, {context.Span(node.Id)}, {context.ShapeOf(node.Id)}, false);");
        }
    }
}
