using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// Losses of a prediction against a float target of the same shape, as PyTorch defines them with mean reduction:
    /// L1Loss, SmoothL1Loss(beta), HuberLoss(delta), BCEWithLogits, and KLDiv (log-space input, probability target,
    /// 'batchmean': the sum divided by the leading dimension). Value holds beta or delta. Each backward reads both
    /// inputs, except that BCEWithLogits' target gradient needs only the logits and KLDiv's input gradient only the target.
    /// </summary>
    internal sealed class PairLossOp : Operator
    {
        public PairLossOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name
        {
            get
            {
                switch (Kind)
                {
                    case OpKind.L1Loss: return "l1_loss";
                    case OpKind.SmoothL1Loss: return "smooth_l1_loss";
                    case OpKind.HuberLoss: return "huber_loss";
                    case OpKind.BCEWithLogits: return "bce_with_logits";
                    default: return "kl_div";
                }
            }
        }

        public override string OpsMethod => Kind.ToString();

        /// <summary>
        /// L1, SmoothL1, Huber: both inputs for either gradient. BCEWithLogits: the logits for both, the target only for
        /// dlogits. KLDiv: the target for both, the input only for dtarget.
        /// </summary>
        public override SavedValues Saves
        {
            get
            {
                SavedValues named = SavedValues.None.WithNames(Role, "target");
                switch (Kind)
                {
                    case OpKind.BCEWithLogits: return named.WithInput(0).WithInput(1, forGradientOf: 0);
                    case OpKind.KLDiv: return named.WithInput(0, forGradientOf: 1).WithInput(1);
                    default: return named.WithInputs(0, 1);
                }
            }
        }

        private string Role => Kind == OpKind.BCEWithLogits ? "logits" : Kind == OpKind.KLDiv ? "input" : "prediction";

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int prediction = args[0], target = args[1];
            tracer.RequireFloat(prediction, OpsMethod, call.Origin);
            tracer.RequireFloat(target, OpsMethod, call.Origin);
            Shape sp = tracer[prediction].Shape, st = tracer[target].Shape;
            if (!Equals(sp, st))
                throw tracer.Fail(DiagnosticDescriptors.LossInputsMismatch, call.Origin, OpsMethod,
                    $"the target must have the shape {sp} of the {Role}, {tracer.Describe(prediction)}, but {tracer.Describe(target)} is {st}");
            if (Kind == OpKind.KLDiv && sp.Rank == 0)
                throw tracer.Fail(DiagnosticDescriptors.LossInputsMismatch, call.Origin, OpsMethod,
                    $"'batchmean' divides by the leading dimension, but {tracer.Describe(prediction)} is a scalar");
            double value = 0;
            if (Kind == OpKind.SmoothL1Loss || Kind == OpKind.HuberLoss)
            {
                string name = Kind == OpKind.SmoothL1Loss ? "beta" : "delta";
                value = AxisReduceOp.ConstantArgument(tracer, call, args, 2, OpsMethod, name, 1);
                bool valid = Kind == OpKind.SmoothL1Loss ? value >= 0 : value > 0;
                if (!valid)
                    throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, OpsMethod,
                        Kind == OpKind.SmoothL1Loss ? "beta ≥ 0" : "delta > 0", Format.Number(value));
            }
            return tracer.Add(new Node(-1, Kind, EquatableArray.Create(prediction, target), Shape.Scalar, call.Origin) { Value = value });
        }

        public override void Differentiate(GradientBuilder g, Node node, int dC)
        {
            int prediction = node.Input(0), target = node.Input(1);
            Shape shape = g[prediction].Shape;
            switch (Kind)
            {
                case OpKind.BCEWithLogits:
                    if (g.NeedsGrad(prediction)) g.Accumulate(prediction, g.Add(OpKind.BCEWithLogitsGrad, shape, prediction, target, dC));
                    if (g.NeedsGrad(target)) g.Accumulate(target, g.Add(OpKind.BCEWithLogitsTargetGrad, shape, prediction, dC));
                    break;
                case OpKind.KLDiv:
                    if (g.NeedsGrad(prediction)) g.Accumulate(prediction, g.Add(OpKind.KLDivGrad, shape, target, dC));
                    if (g.NeedsGrad(target)) g.Accumulate(target, g.Add(OpKind.KLDivTargetGrad, shape, prediction, target, dC));
                    break;
                default:
                    // L1, smooth L1 and Huber depend on prediction - target only: the target's gradient is the negation.
                    if (!g.NeedsGrad(prediction) && !g.NeedsGrad(target)) return;
                    OpKind grad = Kind == OpKind.L1Loss ? OpKind.L1Grad : Kind == OpKind.SmoothL1Loss ? OpKind.SmoothL1Grad : OpKind.HuberGrad;
                    int dPrediction = g.Add(new Node(-1, grad, EquatableArray.Create(prediction, target, dC), shape, -1) { Value = node.Value });
                    g.Accumulate(prediction, dPrediction);
                    if (g.NeedsGrad(target)) g.Accumulate(target, g.Add(OpKind.Neg, shape, dPrediction));
                    break;
            }
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            string p = context.Span(node.Input(0)), t = context.Span(node.Input(1));
            string call;
            switch (Kind)
            {
                case OpKind.L1Loss: call = $"L1Forward<float>({p}, {t})"; break;
                case OpKind.SmoothL1Loss: call = $"SmoothL1Forward<float>({p}, {t}, {Format.Float(node.Value)})"; break;
                case OpKind.HuberLoss: call = $"HuberForward<float>({p}, {t}, {Format.Float(node.Value)})"; break;
                case OpKind.BCEWithLogits: call = $"BCEWithLogitsForward<float>({p}, {t})"; break;
                default: call = $"KLDivForward<float>({p}, {t}, {context.Graph[node.Input(0)].Shape[0].ToCode(context.Batch)})"; break;
            }
            context.Line($"{context.Scalar(node.Id)} = global::ModelGen.Kernels.Losses.{call};");
        }
    }

    /// <summary>
    /// Gradients of <see cref="PairLossOp"/>'s losses, each with the shape of the input it differentiates. Inputs:
    /// L1/SmoothL1/Huber/BCEWithLogits (prediction, target, output gradient); BCEWithLogitsTarget (logits, output
    /// gradient); KLDiv (target, output gradient); KLDivTarget (input, target, output gradient). Value: beta or delta.
    /// </summary>
    internal sealed class PairLossGradOp : Operator
    {
        public PairLossGradOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name
        {
            get
            {
                switch (Kind)
                {
                    case OpKind.L1Grad: return "l1_grad";
                    case OpKind.SmoothL1Grad: return "smooth_l1_grad";
                    case OpKind.HuberGrad: return "huber_grad";
                    case OpKind.BCEWithLogitsGrad: return "bce_with_logits_grad";
                    case OpKind.BCEWithLogitsTargetGrad: return "bce_with_logits_target_grad";
                    case OpKind.KLDivGrad: return "kl_div_grad";
                    default: return "kl_div_target_grad";
                }
            }
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            string a = context.Span(node.Input(0)), dst = context.Span(node.Id);
            // KLDiv divides by the leading dimension (its shapes have one; the others may be scalars).
            string rows = node.Shape.Rank > 0 ? node.Shape[0].ToCode(context.Batch) : "1";
            string call;
            switch (Kind)
            {
                case OpKind.L1Grad: call = $"L1Backward<float>({a}, {context.Span(node.Input(1))}, {context.Scalar(node.Input(2))}, {dst})"; break;
                case OpKind.SmoothL1Grad: call = $"SmoothL1Backward<float>({a}, {context.Span(node.Input(1))}, {Format.Float(node.Value)}, {context.Scalar(node.Input(2))}, {dst})"; break;
                case OpKind.HuberGrad: call = $"HuberBackward<float>({a}, {context.Span(node.Input(1))}, {Format.Float(node.Value)}, {context.Scalar(node.Input(2))}, {dst})"; break;
                case OpKind.BCEWithLogitsGrad: call = $"BCEWithLogitsBackward<float>({a}, {context.Span(node.Input(1))}, {context.Scalar(node.Input(2))}, {dst})"; break;
                case OpKind.BCEWithLogitsTargetGrad: call = $"BCEWithLogitsTargetBackward<float>({a}, {context.Scalar(node.Input(1))}, {dst})"; break;
                case OpKind.KLDivGrad: call = $"KLDivBackward<float>({a}, {rows}, {context.Scalar(node.Input(1))}, {dst})"; break;
                default: call = $"KLDivTargetBackward<float>({a}, {context.Span(node.Input(1))}, {rows}, {context.Scalar(node.Input(2))}, {dst})"; break;
            }
            context.Line($"global::ModelGen.Kernels.Losses.{call};");
        }
    }

    /// <summary>
    /// Mean negative log-likelihood of log-probabilities [N, C] at class indices [N] (rows labelled −100 skipped, as
    /// PyTorch's default ignore_index). The backward keeps only the labels (no activation): it writes −g/kept at each
    /// row's label.
    /// </summary>
    internal sealed class NllLossOp : Operator
    {
        public override OpKind Kind => OpKind.NllLoss;
        public override string Name => "nll_loss";
        public override string OpsMethod => "NllLoss";
        public override SavedValues Saves => SavedValues.None.WithNames("log-probabilities", "labels").WithInput(1);

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int input = args[0], labels = args[1];
            tracer.RequireFloat(input, "NllLoss", call.Origin);
            Shape si = tracer[input].Shape, sl = tracer[labels].Shape;
            if (si.Rank != 2)
                throw tracer.Fail(DiagnosticDescriptors.LossInputsMismatch, call.Origin, "NllLoss",
                    $"log-probabilities must be [N, classes], but {tracer.Describe(input)} gives {si}");
            tracer.MakeClassLabels(labels, "NllLoss", call.Origin);
            if (sl.Rank != 1 || sl[0] != si[0])
                throw tracer.Fail(DiagnosticDescriptors.LossInputsMismatch, call.Origin, "NllLoss",
                    $"labels must be class indices of shape [{si[0]}] to match log-probabilities {si}, but '{tracer[labels].Name}' is {sl}");
            return tracer.Add(new Node(-1, Kind, EquatableArray.Create(input, labels), Shape.Scalar, call.Origin));
        }

        public override void Differentiate(GradientBuilder g, Node node, int dC)
        {
            int input = node.Input(0);
            if (g.NeedsGrad(input)) g.Accumulate(input, g.Add(OpKind.NllGrad, g[input].Shape, node.Input(1), dC));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            Shape input = context.Graph[node.Input(0)].Shape;
            context.Line($"{context.Scalar(node.Id)} = global::ModelGen.Kernels.Losses.NllForward<float>({context.Span(node.Input(0))}, {context.IntSpan(node.Input(1))}, {input[0].ToCode(context.Batch)}, {Format.Int(input.Last.Size)});");
        }
    }

    /// <summary>The gradient of NllLoss with respect to the log-probabilities (inputs: labels, output gradient).</summary>
    internal sealed class NllGradOp : Operator
    {
        public override OpKind Kind => OpKind.NllGrad;
        public override string Name => "nll_grad";

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Losses.NllBackward<float>({context.IntSpan(node.Input(0))}, {node.Shape[0].ToCode(context.Batch)}, {Format.Int(node.Shape.Last.Size)}, {context.Scalar(node.Input(1))}, {context.Span(node.Id)});");
    }
}
