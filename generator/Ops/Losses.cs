using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// Mean cross-entropy of logits [N, C] against class indices [N], with PyTorch's label smoothing and ignore index
    /// as optional constant arguments (Value: ε; Geometry: [ignoreIndex], empty at the defaults). The backward
    /// recomputes the softmax from the logits, so of the activations it keeps the logits alone (and reads the integer
    /// labels): dLogits = (softmax - target)·g / kept rows.
    /// </summary>
    internal sealed class CrossEntropyOp : Operator
    {
        public override OpKind Kind => OpKind.CrossEntropy;
        public override string Name => "cross_entropy";
        public override string OpsMethod => "CrossEntropy";
        public override SavedValues Saves => SavedValues.None.WithNames("logits", "labels").WithInputs(0, 1);

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int logits = args[0], labels = args[1];
            tracer.RequireFloat(logits, "CrossEntropy", call.Origin);
            Shape sl = tracer[logits].Shape, st = tracer[labels].Shape;
            if (sl.Rank != 2)
                throw tracer.Fail(DiagnosticDescriptors.LossInputsMismatch, call.Origin, "CrossEntropy",
                    $"logits must be [N, classes], but {tracer.Describe(logits)} gives {sl}");
            tracer.MakeClassLabels(labels, "CrossEntropy", call.Origin);
            if (st.Rank != 1 || st[0] != sl[0])
                throw tracer.Fail(DiagnosticDescriptors.LossInputsMismatch, call.Origin, "CrossEntropy",
                    $"labels must be class indices of shape [{sl[0]}] to match logits {sl}, but '{tracer[labels].Name}' is {st}" +
                    (Equals(st, sl) ? ", which looks one-hot encoded: pass each row's class index instead" : ""));
            double smoothing = AxisReduceOp.ConstantArgument(tracer, call, args, 2, "CrossEntropy", "labelSmoothing", 0);
            int ignoreIndex = (int)AxisReduceOp.ConstantArgument(tracer, call, args, 3, "CrossEntropy", "ignoreIndex", DefaultIgnoreIndex);
            if (!(smoothing >= 0 && smoothing <= 1))
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, "CrossEntropy", "a labelSmoothing from 0 to 1", Format.Number(smoothing));
            var node = new Node(-1, Kind, EquatableArray.Create(logits, labels), Shape.Scalar, call.Origin);
            // Options at their defaults leave the node (and the emitted call) exactly as the two-argument form.
            if (smoothing != 0 || ignoreIndex != DefaultIgnoreIndex) node = node with { Value = smoothing, Geometry = EquatableArray.Create(ignoreIndex) };
            return tracer.Add(node);
        }

        /// <summary>PyTorch's default ignore_index.</summary>
        private const int DefaultIgnoreIndex = -100;

        public override void Differentiate(GradientBuilder g, Node node, int dC)
        {
            int logits = node.Input(0);
            if (g.NeedsGrad(logits))
                g.Accumulate(logits, g.Add(new Node(-1, OpKind.CrossEntropyGrad, EquatableArray.Create(logits, node.Input(1), dC), g[logits].Shape, -1)
                    { Value = node.Value, Geometry = node.Geometry }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            Shape logits = context.Graph[node.Input(0)].Shape;
            context.Line($"{context.Scalar(node.Id)} = global::ModelGen.Kernels.Losses.CrossEntropyForward<float>({context.Span(node.Input(0))}, {context.IntSpan(node.Input(1))}, {logits[0].ToCode(context.Batch)}, {Format.Int(logits.Last.Size)}{Options(node)});");
        }

        /// <summary>", smoothing, ignoreIndex" for the kernels' overload with options, or nothing at the defaults.</summary>
        public static string Options(Node node)
            => node.Geometry.Count == 0 ? "" : $", {Format.Float(node.Value)}, {Format.Int(node.Geometry[0])}";
    }

    /// <summary>The gradient of cross-entropy with respect to the logits (inputs: logits, labels, output gradient).</summary>
    internal sealed class CrossEntropyGradOp : Operator
    {
        public override OpKind Kind => OpKind.CrossEntropyGrad;
        public override string Name => "cross_entropy_grad";

        public override void Emit(CpuEmitContext context, Node node)
        {
            context.Line($"global::ModelGen.Kernels.Losses.CrossEntropyBackward<float>({context.Span(node.Input(0))}, {context.IntSpan(node.Input(1))}, {node.Shape[0].ToCode(context.Batch)}, {Format.Int(node.Shape.Last.Size)}{CrossEntropyOp.Options(node)}, {context.Scalar(node.Input(2))}, {context.Span(node.Id)});");
        }
    }

    /// <summary>Mean squared error of a prediction against a target of the same shape.</summary>
    internal sealed class MseLossOp : Operator
    {
        public override OpKind Kind => OpKind.MseLoss;
        public override string Name => "mse_loss";
        public override string OpsMethod => "MseLoss";
        public override SavedValues Saves => SavedValues.None.WithNames("prediction", "target").WithInputs(0, 1);

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            tracer.RequireFloat(args[0], "MseLoss", call.Origin);
            tracer.RequireFloat(args[1], "MseLoss", call.Origin);
            Shape sp = tracer[args[0]].Shape, st = tracer[args[1]].Shape;
            if (!Equals(sp, st))
                throw tracer.Fail(DiagnosticDescriptors.LossInputsMismatch, call.Origin, "MseLoss",
                    $"the target must have the shape {sp} of the prediction, {tracer.Describe(args[0])}, but {tracer.Describe(args[1])} is {st}" +
                    (st.Rank == 1 && sp.Rank == 2 && st[0] == sp[0] ? "; for class labels use CrossEntropy, which takes one class index per row" : ""));
            return tracer.Add(new Node(-1, Kind, EquatableArray.Create(args), Shape.Scalar, call.Origin));
        }

        public override void Differentiate(GradientBuilder g, Node node, int dC)
        {
            int prediction = node.Input(0), target = node.Input(1);
            if (!g.NeedsGrad(prediction) && !g.NeedsGrad(target)) return;
            int dPrediction = g.Add(OpKind.MseGrad, g[prediction].Shape, prediction, target, dC);
            g.Accumulate(prediction, dPrediction);
            if (g.NeedsGrad(target)) g.Accumulate(target, g.Add(OpKind.Neg, g[target].Shape, dPrediction));
        }

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"{context.Scalar(node.Id)} = global::ModelGen.Kernels.Losses.MseForward<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))});");
    }

    /// <summary>d(MSE)/d(prediction) = 2(p - t)·g / n (inputs: prediction, target, output gradient).</summary>
    internal sealed class MseGradOp : Operator
    {
        public override OpKind Kind => OpKind.MseGrad;
        public override string Name => "mse_grad";

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Losses.MseBackward<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Scalar(node.Input(2))}, {context.Span(node.Id)});");
    }
}
