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
    /// A new shape over the same elements in the same order; traced from <c>Ops.Reshape(x, shape)</c> (and from
    /// <c>Ops.Flatten</c> by <see cref="FlattenOp"/>). Emitted as a copy; the gradient is the inverse reshape and keeps nothing.
    /// </summary>
    internal sealed class ReshapeOp : Operator
    {
        public override OpKind Kind => OpKind.Reshape;
        public override string Name => "reshape";
        public override string OpsMethod => "Reshape";

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, "Reshape", call.Origin);
            Shape input = tracer[x].Shape;
            int[] sizes = ConstArgs.Ints(tracer, call, args, 1, "Reshape");
            string target = "[" + string.Join(", ", sizes.Select(Format.Int)) + "]";
            string op = "Reshape to " + target;
            if (sizes.Length == 0 || sizes.Any(s => s < -1) || sizes.Count(s => s == -1) > 1)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op, "non-negative sizes with at most one -1", $"{input} from {tracer.Describe(x)}");
            // Elements per sample (per batch when the batch is symbolic, else in all).
            bool batched = input.Rank > 0 && input[0].IsSymbolic;
            long have = input.Dims.Skip(batched ? 1 : 0).Aggregate(1L, (p, d) => p * d.Size);
            if (batched && (sizes[0] != -1 || sizes.Count(s => s == -1) != 1))
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    $"-1 as the first size and only there, so that the symbolic batch {input[0]} stays the leading dimension (a reshape cannot move or merge the batch)",
                    $"{input} from {tracer.Describe(x)}");
            int[] rest = batched ? sizes.Skip(1).ToArray() : sizes;
            long known = rest.Where(s => s != -1).Aggregate(1L, (p, s) => p * s);
            bool infers = !batched && rest.Contains(-1);
            if (infers ? known == 0 || have % known != 0 : known != have)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    $"an input of {Format.Int((int)known)} elements{(batched ? " per sample" : "")} to match {target}",
                    $"{input} ({have} elements{(batched ? " per sample" : "")}) from {tracer.Describe(x)}");
            Dim[] dims = rest.Select(s => Dim.Of(s == -1 ? (int)(have / known) : s)).ToArray();
            Shape shape = batched ? Shape.Of(new[] { input[0] }.Concat(dims)) : Shape.Of(dims);
            return tracer.Add(new Node(-1, OpKind.Reshape, EquatableArray.Create(x), shape, call.Origin));
        }

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (g.NeedsGrad(x)) g.Accumulate(x, g.Add(OpKind.Reshape, g[x].Shape, dY));
        }

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"{context.Span(node.Input(0))}.CopyTo({context.Span(node.Id)});");
    }

    /// <summary><c>Ops.Flatten(x)</c>: [N, d1, d2, …] to [N, d1·d2·…], traced into a reshape node (never in the IR itself).</summary>
    internal sealed class FlattenOp : Operator
    {
        public override OpKind Kind => OpKind.Flatten;
        public override string Name => "flatten";
        public override string OpsMethod => "Flatten";
        public override SavedValues Saves => OperatorTable.Of(OpKind.Reshape).Saves;

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, "Flatten", call.Origin);
            Shape input = tracer[x].Shape;
            if (input.Rank < 2)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, "Flatten", "a tensor [N, ...] of rank 2 or more", $"{input} from {tracer.Describe(x)}");
            int features = input.Dims.Skip(1).Aggregate(1, (product, d) => product * d.Size);
            return tracer.Add(new Node(-1, OpKind.Reshape, EquatableArray.Create(x), Shape.Of(input[0], Dim.Of(features)), call.Origin));
        }

        public override void Emit(CpuEmitContext context, Node node) => throw new System.InvalidOperationException("flatten traces into reshape");
    }

    /// <summary>
    /// Reorders axes: output axis i is input axis Geometry[i]; traced from <c>Ops.Permute(x, dims)</c> and
    /// <c>Ops.Transpose</c>. The batch axis stays first. The gradient is the inverse permutation and keeps nothing.
    /// </summary>
    internal sealed class PermuteOp : Operator
    {
        public override OpKind Kind => OpKind.Permute;
        public override string Name => "permute";
        public override string OpsMethod => "Permute";

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, "Permute", call.Origin);
            int[] dims = ConstArgs.Ints(tracer, call, args, 1, "Permute");
            return Make(tracer, call, x, dims, "Permute(" + string.Join(", ", dims.Select(Format.Int)) + ")");
        }

        /// <summary>Checks <paramref name="dims"/> against x's rank and the batch rule and adds the node.</summary>
        public static int Make(GraphTracer tracer, ExprSpec call, int x, int[] dims, string op)
        {
            Shape input = tracer[x].Shape;
            bool permutation = dims.Length == input.Rank && dims.All(d => d >= 0 && d < input.Rank) && dims.Distinct().Count() == dims.Length;
            if (!permutation || input.Rank > 8)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    $"a tensor of rank {dims.Length} (at most 8) whose axes the dims list once each", $"{input} from {tracer.Describe(x)}");
            if (input[0].IsSymbolic && dims[0] != 0)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    $"the batch axis 0 to stay first (compiled models keep the symbolic batch {input[0]} leading)", $"{input} from {tracer.Describe(x)}");
            Shape shape = Shape.Of(dims.Select(d => input[d]));
            return tracer.Add(new Node(-1, OpKind.Permute, EquatableArray.Create(x), shape, call.Origin) { Geometry = dims.ToEquatableArray() });
        }

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (!g.NeedsGrad(x)) return;
            var inverse = new int[node.Geometry.Count];
            for (int i = 0; i < inverse.Length; i++) inverse[node.Geometry[i]] = i;
            g.Accumulate(x, g.Add(new Node(-1, OpKind.Permute, EquatableArray.Create(dY), g[x].Shape, -1) { Geometry = inverse.ToEquatableArray() }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            int x = node.Input(0);
            string dims = "stackalloc int[] { " + string.Join(", ", node.Geometry.Select(Format.Int)) + " }";
            context.Line($"global::ModelGen.Kernels.Layout.Permute<float>({context.Span(x)}, {context.ShapeOf(x)}, {dims}, {context.Span(node.Id)});");
        }
    }

    /// <summary><c>Ops.Transpose(x, dim0, dim1)</c>: a permutation swapping two axes, traced into a permute node.</summary>
    internal sealed class TransposeOp : Operator
    {
        public override OpKind Kind => OpKind.Transpose;
        public override string Name => "transpose";
        public override string OpsMethod => "Transpose";
        public override SavedValues Saves => OperatorTable.Of(OpKind.Permute).Saves;

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, "Transpose", call.Origin);
            int[] axes = ConstArgs.Ints(tracer, call, args, 1, "Transpose");
            int rank = tracer[x].Shape.Rank;
            string op = $"Transpose({Format.Int(axes[0])}, {Format.Int(axes[1])})";
            int a = axes[0] < 0 ? axes[0] + rank : axes[0], b = axes[1] < 0 ? axes[1] + rank : axes[1];
            if (a < 0 || a >= rank || b < 0 || b >= rank)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                    $"a tensor with both axes", $"{tracer[x].Shape} from {tracer.Describe(x)}");
            int[] dims = Enumerable.Range(0, rank).ToArray();
            dims[a] = b;
            dims[b] = a;
            return PermuteOp.Make(tracer, call, x, dims, op);
        }

        public override void Emit(CpuEmitContext context, Node node) => throw new System.InvalidOperationException("transpose traces into permute");
    }

    /// <summary>Reads the constant int arguments of an Ops call (a params int[] arrives as one constant each).</summary>
    internal static class ConstArgs
    {
        public static int[] Ints(GraphTracer tracer, ExprSpec call, int[] args, int first, string op)
        {
            var values = new int[args.Length - first];
            for (int i = first; i < args.Length; i++)
            {
                Node node = tracer[args[i]];
                if (node.Op != OpKind.Const || node.Value != System.Math.Floor(node.Value) || System.Math.Abs(node.Value) > int.MaxValue)
                    throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, op,
                        $"integer constants after its tensor argument (argument {i + 1})", tracer.Describe(args[i]));
                values[i - first] = (int)node.Value;
            }
            return values;
        }

        /// <summary>Axis in [-rank, rank) made non-negative, or -1 when outside.</summary>
        public static int Axis(int axis, int rank) => axis < -rank || axis >= rank ? -1 : axis < 0 ? axis + rank : axis;
    }
}
