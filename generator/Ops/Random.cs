using ModelGen.Generator.Common;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// <c>Ops.RandnLike(x)</c>: N(0, 1) draws of x's shape from the global generator <c>Rng.Default</c>, in schedule
    /// order, as the eager op draws them. x gives the shape only: no gradient flows, and nothing is saved. Never merged
    /// with another draw (EliminateCommonSubexpressions).
    /// </summary>
    internal sealed class RandnLikeOp : Operator
    {
        public override OpKind Kind => OpKind.RandnLike;
        public override string Name => "randn_like";
        public override string OpsMethod => "RandnLike";

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            tracer.RequireFloat(args[0], "RandnLike", call.Origin);
            return tracer.Add(new Node(-1, OpKind.RandnLike, EquatableArray.Create(args[0]), tracer[args[0]].Shape, call.Origin));
        }

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            // A draw does not depend on x's values.
        }

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"lock (global::ModelGen.Rng.Default) global::ModelGen.Rng.Default.FillNormal({context.Span(node.Id)});");
    }
}
