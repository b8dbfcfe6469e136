using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// A chain of elementwise operators as one loop (made by Passes/FuseElementwise.cs, never traced or
    /// differentiated): inputs are the chain's operands, each the node's shape or a scalar, and Geometry is the
    /// <see cref="FusedExpression"/> program over them. Emitted as one Vector512/Vector256 method.
    /// </summary>
    internal sealed class FusedElementwiseOp : Operator
    {
        public override OpKind Kind => OpKind.FusedElementwise;
        public override string Name => "fused";

        public override void Emit(CpuEmitContext context, Node node)
        {
            string kinds = string.Concat(node.Inputs.Select(i => context.Graph[i].Shape.Rank == 0 ? "s" : "t"));
            string map = context.Kernels.MapFused(FusedExpression.Compose(node.Geometry, node.Inputs.Count), kinds);
            string operands = string.Concat(node.Inputs.Select(i => (context.Graph[i].Shape.Rank == 0 ? context.Scalar(i) : context.Span(i)) + ", "));
            context.Line($"{map}({operands}{context.Span(node.Id)});");
        }
    }

    /// <summary>
    /// Inference batch norm folded into the convolution or linear layer before it (Passes/FoldBatchNorm.cs), with
    /// scale = γ/√(running var + ε) per output channel: the weight (inputs W, γ) becomes W·scale per output row, and
    /// the bias (inputs γ, β and the layer's bias if it has one) becomes (b − running mean)·scale + β. Both read the
    /// batch-norm layer's running statistics when Forward runs, so a model trained or evaluated in between is
    /// folded afresh: the cost is one pass over the weights, not over the activations.
    /// </summary>
    internal sealed class FoldBatchNormOp : Operator
    {
        public FoldBatchNormOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.FoldBatchNormWeight ? "fold_batch_norm_weight" : "fold_batch_norm_bias";

        public override void Emit(CpuEmitContext context, Node node)
        {
            string layer = context.Layer(node.Layer);
            int channels = node.Shape[0].Size;
            bool weight = Kind == OpKind.FoldBatchNormWeight;
            string gamma = context.Span(node.Input(weight ? 1 : 0));
            context.Line("{");
            context.Line($"    global::System.ReadOnlySpan<float> __gamma = {gamma}, __mean = {layer}.RunningMean.AsSpan(), __variance = {layer}.RunningVar.AsSpan();");
            if (weight) context.Line($"    global::System.ReadOnlySpan<float> __w = {context.Span(node.Input(0))};");
            else context.Line($"    global::System.ReadOnlySpan<float> __beta = {context.Span(node.Input(1))}" + (node.Inputs.Count > 2 ? $", __b = {context.Span(node.Input(2))};" : ";"));
            context.Line($"    global::System.Span<float> __d = {context.Span(node.Id)};");
            context.Line($"    for (int __o = 0; __o < {Format.Int(channels)}; __o++)");
            context.Line("    {");
            context.Line($"        float __scale = __gamma[__o] / global::System.MathF.Sqrt(__variance[__o] + {layer}.Eps);");
            if (weight)
            {
                string per = Format.Int((int)(node.Shape.Count.Fixed / channels));
                context.Line($"        for (int __j = __o * {per}; __j < (__o + 1) * {per}; __j++) __d[__j] = __w[__j] * __scale;");
            }
            else
            {
                context.Line($"        __d[__o] = ({(node.Inputs.Count > 2 ? "__b[__o]" : "0f")} - __mean[__o]) * __scale + __beta[__o];");
            }
            context.Line("    }");
            context.Line("}");
        }
    }
}
