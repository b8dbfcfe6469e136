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
    /// a + b, a - b, a * b, a / b with NumPy broadcasting (align right; equal sizes or 1). Gradients of broadcast
    /// operands are summed back to their shapes by <see cref="GradientBuilder.Accumulate"/>.
    /// </summary>
    internal sealed class BinaryOp : Operator, IElementwiseOperator
    {
        public BinaryOp(OpKind kind) => Kind = kind;

        public ElementwiseTemplate Template => new ElementwiseTemplate("{a} " + Symbol + " {b}", "{a} " + Symbol + " {b}", 2);

        public override OpKind Kind { get; }

        public override string Name => Kind.ToString().ToLowerInvariant();

        /// <summary>a·b: each operand for the other's gradient. a/b: the divisor for both gradients, the output for db.</summary>
        public override SavedValues Saves
            => Kind == OpKind.Mul ? SavedValues.None.WithNames("a", "b").WithInput(0, forGradientOf: 1).WithInput(1, forGradientOf: 0)
             : Kind == OpKind.Div ? SavedValues.None.WithNames("a", "b").WithInput(1).WithOutput(forGradientOf: 1)
             : SavedValues.None;

        public string Symbol => Kind == OpKind.Add ? "+" : Kind == OpKind.Sub ? "-" : Kind == OpKind.Mul ? "*" : "/";

        public static OpKind KindOf(string symbol)
            => symbol == "+" ? OpKind.Add : symbol == "-" ? OpKind.Sub : symbol == "*" ? OpKind.Mul : OpKind.Div;

        /// <summary>The broadcast shape of a and b, or null with the axis that differs.</summary>
        public static Shape? Broadcast(Shape a, Shape b, out string mismatch)
        {
            mismatch = "";
            int rank = System.Math.Max(a.Rank, b.Rank);
            var dims = new Dim[rank];
            for (int i = 1; i <= rank; i++)
            {
                Dim? da = i <= a.Rank ? a[a.Rank - i] : (Dim?)null;
                Dim? db = i <= b.Rank ? b[b.Rank - i] : (Dim?)null;
                if (da == null || db == null) { dims[rank - i] = (da ?? db)!.Value; continue; }
                if (da.Value == db.Value || (!db.Value.IsSymbolic && db.Value.Size == 1)) dims[rank - i] = da.Value;
                else if (!da.Value.IsSymbolic && da.Value.Size == 1) dims[rank - i] = db.Value;
                else
                {
                    mismatch = $"axis {rank - i} of the result is {da.Value} vs {db.Value} (sizes must be equal or 1)";
                    return null;
                }
            }
            return Shape.Of(dims);
        }

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            Node a = tracer[args[0]], b = tracer[args[1]];
            if (a.Op == OpKind.Const && b.Op == OpKind.Const)
                return tracer.Add(a with { Id = -1, Value = Fold(a.Value, b.Value), Origin = call.Origin });
            tracer.RequireFloat(args[0], Symbol, call.Origin);
            tracer.RequireFloat(args[1], Symbol, call.Origin);
            Shape shape = Broadcast(a.Shape, b.Shape, out string mismatch)
                ?? throw tracer.Fail(DiagnosticDescriptors.BroadcastMismatch, call.Origin, Symbol,
                    $"{a.Shape} from {tracer.Describe(args[0])}", $"{b.Shape} from {tracer.Describe(args[1])}", mismatch);
            return tracer.Add(new Node(-1, Kind, EquatableArray.Create(args), shape, call.Origin));
        }

        private double Fold(double a, double b)
            => Kind == OpKind.Add ? a + b : Kind == OpKind.Sub ? a - b : Kind == OpKind.Mul ? a * b : a / b;

        public override void Differentiate(GradientBuilder g, Node node, int dC)
        {
            int a = node.Input(0), b = node.Input(1);
            switch (Kind)
            {
                case OpKind.Add:
                    g.Accumulate(a, dC);
                    g.Accumulate(b, dC);
                    break;
                case OpKind.Sub:
                    g.Accumulate(a, dC);
                    if (g.NeedsGrad(b)) g.Accumulate(b, g.Add(OpKind.Neg, g[dC].Shape, dC));
                    break;
                case OpKind.Mul:
                    if (g.NeedsGrad(a)) g.Accumulate(a, g.Add(OpKind.Mul, node.Shape, dC, b));
                    if (g.NeedsGrad(b)) g.Accumulate(b, g.Add(OpKind.Mul, node.Shape, dC, a));
                    break;
                default:
                    if (g.NeedsGrad(a)) g.Accumulate(a, g.Add(OpKind.Div, node.Shape, dC, b));
                    if (g.NeedsGrad(b))
                    {
                        // d(a/b)/db = -(a/b)/b: reuse the output instead of recomputing a/b².
                        int scaled = g.Add(OpKind.Mul, node.Shape, dC, node.Id);
                        int quotient = g.Add(OpKind.Div, node.Shape, scaled, b);
                        g.Accumulate(b, g.Add(OpKind.Neg, node.Shape, quotient));
                    }
                    break;
            }
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            int a = node.Input(0), b = node.Input(1);
            Shape sa = context.Graph[a].Shape, sb = context.Graph[b].Shape;
            string dst = context.Span(node.Id);
            string op = "{a} " + Symbol + " {b}";
            if (node.Shape.Rank == 0)
            {
                context.Line($"{dst}[0] = {context.Scalar(a)} {Symbol} {context.Scalar(b)};");
            }
            else if (sb.Rank == 0)
            {
                context.Line($"{context.Kernels.Map(Name, op, op, "ts")}({context.Span(a)}, {context.Scalar(b)}, {dst});");
            }
            else if (sa.Rank == 0)
            {
                context.Line($"{context.Kernels.Map(Name, op, op, "st")}({context.Scalar(a)}, {context.Span(b)}, {dst});");
            }
            else if (Equals(sa, sb))
            {
                context.Line($"{context.Kernels.Map(Name, op, op, "tt")}({context.Span(a)}, {context.Span(b)}, {dst});");
            }
            else if (Equals(sa, node.Shape) && IsTrailing(sb, node.Shape))
            {
                EmitRows(context, node, context.Kernels.Map(Name, op, op, "tt"), a, b, sb.Count.Fixed, rowsFromA: true);
            }
            else if (Equals(sb, node.Shape) && IsTrailing(sa, node.Shape))
            {
                EmitRows(context, node, context.Kernels.Map(Name, op, op, "tt"), a, b, sa.Count.Fixed, rowsFromA: false);
            }
            else
            {
                context.Line($"global::ModelGen.Kernels.Broadcasting.Binary<float>(global::ModelGen.Kernels.BinaryOp.{Kind}, {context.Span(a)}, {context.ShapeOf(a)}, {context.Span(b)}, {context.ShapeOf(b)}, {dst}, {context.ShapeOf(node.Id)});");
            }
        }

        /// <summary>True when <paramref name="operand"/> equals the trailing dims of <paramref name="result"/> (a bias row).</summary>
        private static bool IsTrailing(Shape operand, Shape result)
        {
            if (operand.Rank > result.Rank || operand.IsSymbolic) return false;
            for (int i = 1; i <= operand.Rank; i++)
            {
                if (operand[operand.Rank - i] != result[result.Rank - i]) return false;
            }
            return true;
        }

        /// <summary>A row-broadcast operand: one vector kernel call per row of the full-size operand.</summary>
        private static void EmitRows(CpuEmitContext context, Node node, string map, int a, int b, long rowLength, bool rowsFromA)
        {
            string n = rowLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Line("{");
            context.Line($"    global::System.ReadOnlySpan<float> __a = {context.Span(a)}, __b = {context.Span(b)};");
            context.Line($"    global::System.Span<float> __d = {context.Span(node.Id)};");
            string args = rowsFromA ? $"__a.Slice(__r, {n}), __b, __d.Slice(__r, {n})" : $"__a, __b.Slice(__r, {n}), __d.Slice(__r, {n})";
            context.Line($"    for (int __r = 0; __r < __d.Length; __r += {n}) {map}({args});");
            context.Line("}");
        }
    }

    /// <summary>-a.</summary>
    internal sealed class NegOp : Operator, IElementwiseOperator
    {
        public override OpKind Kind => OpKind.Neg;
        public override string Name => "neg";
        public ElementwiseTemplate Template => new ElementwiseTemplate("-{a}", "-{a}", 1);

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            Node a = tracer[args[0]];
            if (a.Op == OpKind.Const) return tracer.Add(a with { Id = -1, Value = -a.Value, Origin = call.Origin });
            tracer.RequireFloat(args[0], "-", call.Origin);
            return tracer.Add(new Node(-1, OpKind.Neg, EquatableArray.Create(args), a.Shape, call.Origin));
        }

        public override void Differentiate(GradientBuilder g, Node node, int dC)
            => g.Accumulate(node.Input(0), g.Add(OpKind.Neg, node.Shape, dC));

        public override void Emit(CpuEmitContext context, Node node)
        {
            if (node.Shape.Rank == 0) context.Line($"{context.Scalar(node.Id)} = -{context.Scalar(node.Input(0))};");
            else context.Line($"{context.Kernels.Map(Name, Template.Vector, Template.Scalar, "t")}({context.Span(node.Input(0))}, {context.Span(node.Id)});");
        }
    }
}
