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
    /// A new shape over the same elements in the same order; traced from <c>Ops.Flatten(x)</c>
    /// ([N, d1, d2, …] to [N, d1·d2·…]). Emitted as a copy; the gradient is the inverse reshape.
    /// </summary>
    internal sealed class ReshapeOp : Operator
    {
        public override OpKind Kind => OpKind.Reshape;
        public override string Name => "reshape";
        public override string OpsMethod => "Flatten";

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

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (g.NeedsGrad(x)) g.Accumulate(x, g.Add(OpKind.Reshape, g[x].Shape, dY));
        }

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"{context.Span(node.Input(0))}.CopyTo({context.Span(node.Id)});");
    }
}
