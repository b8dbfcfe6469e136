using ModelGen.Generator.Common;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// ReLU, Sigmoid and Tanh. Each backward needs only the forward output (ReLU's mask is y &gt; 0; σ' = y(1-y);
    /// tanh' = 1-y²), so the input is never kept. ReLU is a Vector512/Vector256 loop in the generated code (or
    /// fused into a GEMM epilogue); Sigmoid and Tanh call the runtime's vectorised kernels.
    /// </summary>
    internal sealed class ActivationOp : Operator, IElementwiseOperator
    {
        public ActivationOp(OpKind kind) => Kind = kind;

        /// <summary>ReLU is a generated loop; Sigmoid and Tanh are runtime kernels.</summary>
        public ElementwiseTemplate? Template
            => Kind == OpKind.Relu ? new ElementwiseTemplate("{V}.Max({a}, {V}<float>.Zero)", "global::System.MathF.Max({a}, 0f)", 1) : null;

        public override OpKind Kind { get; }

        public override string Name => Kind.ToString().ToLowerInvariant();

        public override string OpsMethod => Kind.ToString();

        public override SavedValues Saves => SavedValues.None.WithOutput();

        public OpKind GradKind => Kind == OpKind.Relu ? OpKind.ReluGrad : Kind == OpKind.Sigmoid ? OpKind.SigmoidGrad : OpKind.TanhGrad;

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            tracer.RequireFloat(args[0], OpsMethod, call.Origin);
            return tracer.Add(new Node(-1, Kind, EquatableArray.Create(args), tracer[args[0]].Shape, call.Origin));
        }

        public override void Differentiate(GradientBuilder g, Node node, int dC)
            => g.Accumulate(node.Input(0), g.Add(GradKind, node.Shape, dC, node.Id));

        public override void Emit(CpuEmitContext context, Node node)
        {
            string src = context.Span(node.Input(0)), dst = context.Span(node.Id);
            if (Template is ElementwiseTemplate relu)
                context.Line($"{context.Kernels.Map("relu", relu.Vector, relu.Scalar, "t")}({src}, {dst});");
            else
                context.Line($"global::ModelGen.Kernels.Activations.{OpsMethod}<float>({src}, {dst});");
        }
    }

    /// <summary>The gradient of an activation from the output gradient (input 0) and the saved output (input 1).</summary>
    internal sealed class ActivationGradOp : Operator, IElementwiseOperator
    {
        public ActivationGradOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.ReluGrad ? "relu_grad" : Kind == OpKind.SigmoidGrad ? "sigmoid_grad" : "tanh_grad";

        public ElementwiseTemplate Template
        {
            get
            {
                switch (Kind)
                {
                    case OpKind.ReluGrad:
                        return new ElementwiseTemplate("{V}.ConditionalSelect({V}.GreaterThan({b}, {V}<float>.Zero), {a}, {V}<float>.Zero)", "{b} > 0f ? {a} : 0f", 2);
                    case OpKind.SigmoidGrad:
                        return new ElementwiseTemplate("{a} * {b} * ({V}<float>.One - {b})", "{a} * {b} * (1f - {b})", 2);
                    default:
                        return new ElementwiseTemplate("{a} * ({V}<float>.One - {b} * {b})", "{a} * (1f - {b} * {b})", 2);
                }
            }
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            string map = context.Kernels.Map(Name, Template.Vector, Template.Scalar, "tt");
            context.Line($"{map}({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Id)});");
        }
    }
}
