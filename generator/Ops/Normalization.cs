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
    /// Batch norm as traced (inputs x, γ, β), before the mode is known. <see cref="LowerTrainingModes"/> makes it
    /// statistics plus apply for training, or running-statistics normalisation for inference. Every batch-norm node
    /// names its layer, whose eps, momentum and running statistics the emitted code reads.
    /// </summary>
    internal sealed class BatchNormOp : Operator
    {
        public override OpKind Kind => OpKind.BatchNorm;
        public override string Name => "batch_norm";

        public override void Emit(CpuEmitContext context, Node node)
            => throw new System.InvalidOperationException("batch_norm is lowered before emission");

        /// <summary>C and the spatial size S of x [N, C, S…], as code.</summary>
        public static (string Channels, string Spatial) Layout(Shape x)
        {
            long spatial = 1;
            for (int i = 2; i < x.Rank; i++) spatial *= x[i].Size;
            return (Format.Int(x[1].Size), spatial.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Training: per-channel batch mean and 1/√(var+ε) into [2, C]; moves the layer's running statistics.</summary>
    internal sealed class BatchNormStatsOp : Operator
    {
        public override OpKind Kind => OpKind.BatchNormStats;
        public override string Name => "batch_norm_stats";

        public override void Emit(CpuEmitContext context, Node node)
        {
            Shape x = context.Graph[node.Input(0)].Shape;
            var (channels, spatial) = BatchNormOp.Layout(x);
            string layer = context.Layer(node.Layer);
            context.Line($"global::ModelGen.Kernels.Normalization.BatchNormStatistics<float>({context.Span(node.Input(0))}, {x[0].ToCode(context.Batch)}, {channels}, {spatial}, {context.Span(node.Id)}, " +
                         $"{layer}.Eps, {layer}.RunningMean.AsSpan(), {layer}.RunningVar.AsSpan(), {layer}.Momentum);");
            context.Line($"{layer}.NumBatchesTracked++;");
        }
    }

    /// <summary>Training: y = (x − mean)·invStd·γ + β (inputs x, statistics, γ, β). Its backward keeps x and the statistics.</summary>
    internal sealed class BatchNormApplyOp : Operator
    {
        public override OpKind Kind => OpKind.BatchNormApply;
        public override string Name => "batch_norm_apply";
        public override SavedValues Saves => SavedValues.None.WithNames("x", "stats", "gamma", "beta").WithInput(0).WithInput(1).WithInput(2, forGradientOf: 0);

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0), stats = node.Input(1), gamma = node.Input(2), beta = node.Input(3);
            if (g.NeedsGrad(x))
                g.Accumulate(x, g.Add(new Node(-1, OpKind.BatchNormGradInput, EquatableArray.Create(dY, x, stats, gamma), g[x].Shape, -1) { Layer = node.Layer }));
            if (g.NeedsGrad(gamma))
                g.Accumulate(gamma, g.Add(new Node(-1, OpKind.BatchNormGradGamma, EquatableArray.Create(dY, x, stats), g[gamma].Shape, -1) { Layer = node.Layer }));
            if (g.NeedsGrad(beta))
                g.Accumulate(beta, g.Add(new Node(-1, OpKind.BatchNormGradBeta, EquatableArray.Create(dY), g[beta].Shape, -1) { Layer = node.Layer }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            var (channels, spatial) = BatchNormOp.Layout(node.Shape);
            context.Line($"global::ModelGen.Kernels.Normalization.BatchNormApply<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Input(2))}, {context.Span(node.Input(3))}, " +
                         $"{context.Span(node.Id)}, {node.Shape[0].ToCode(context.Batch)}, {channels}, {spatial});");
        }
    }

    /// <summary>Inference: normalisation with the layer's running statistics (inputs x, γ, β).</summary>
    internal sealed class BatchNormInferOp : Operator
    {
        public override OpKind Kind => OpKind.BatchNormInfer;
        public override string Name => "batch_norm_infer";

        public override void Emit(CpuEmitContext context, Node node)
        {
            var (channels, spatial) = BatchNormOp.Layout(node.Shape);
            string layer = context.Layer(node.Layer);
            context.Line($"global::ModelGen.Kernels.Normalization.BatchNormInference<float>({context.Span(node.Input(0))}, {layer}.RunningMean.AsSpan(), {layer}.RunningVar.AsSpan(), " +
                         $"{context.Span(node.Input(1))}, {context.Span(node.Input(2))}, {context.Span(node.Id)}, {node.Shape[0].ToCode(context.Batch)}, {channels}, {spatial}, {layer}.Eps);");
        }
    }

    /// <summary>Gradients of training-mode batch norm: input (dy, x, stats, γ), γ (dy, x, stats) and β (dy).</summary>
    internal sealed class BatchNormGradOp : Operator
    {
        public BatchNormGradOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.BatchNormGradInput ? "batch_norm_grad_input" : Kind == OpKind.BatchNormGradGamma ? "batch_norm_grad_gamma" : "batch_norm_grad_beta";

        public override void Emit(CpuEmitContext context, Node node)
        {
            Shape x = context.Graph[node.Input(0)].Shape;
            var (channels, spatial) = BatchNormOp.Layout(x);
            string batch = x[0].ToCode(context.Batch), dy = context.Span(node.Input(0)), dst = context.Span(node.Id);
            if (Kind == OpKind.BatchNormGradInput)
                context.Line($"global::ModelGen.Kernels.Normalization.BatchNormBackwardInput<float>({dy}, {context.Span(node.Input(1))}, {context.Span(node.Input(2))}, {context.Span(node.Input(3))}, {dst}, {batch}, {channels}, {spatial});");
            else if (Kind == OpKind.BatchNormGradGamma)
                context.Line($"global::ModelGen.Kernels.Normalization.BatchNormBackwardGamma<float>({dy}, {context.Span(node.Input(1))}, {context.Span(node.Input(2))}, {dst}, {batch}, {channels}, {spatial});");
            else
                context.Line($"global::ModelGen.Kernels.Normalization.BatchNormBackwardBeta<float>({dy}, {dst}, {batch}, {channels}, {spatial});");
        }
    }

    /// <summary>
    /// Dropout as traced (input x). Lowered to the identity for inference, and to x · mask for training, where the
    /// mask (0 or 1/(1 − p)) is a <see cref="OpKind.DropoutMask"/> drawn from the layer's generator; the
    /// multiplication's gradient then applies the same mask.
    /// </summary>
    internal sealed class DropoutOp : Operator
    {
        public override OpKind Kind => OpKind.Dropout;
        public override string Name => "dropout";

        public override void Emit(CpuEmitContext context, Node node)
            => throw new System.InvalidOperationException("dropout is lowered before emission");
    }

    /// <summary>A fresh inverted-dropout mask of the node's shape from the layer's generator (no inputs, no gradient).</summary>
    internal sealed class DropoutMaskOp : Operator
    {
        public override OpKind Kind => OpKind.DropoutMask;
        public override string Name => "dropout_mask";

        public override void Emit(CpuEmitContext context, Node node)
        {
            string layer = context.Layer(node.Layer);
            context.Line($"global::ModelGen.Kernels.Normalization.DropoutMask<float>({layer}.Generator, {context.Span(node.Id)}, {layer}.P);");
        }
    }

    /// <summary><c>BatchNorm1d(numFeatures, eps, momentum)</c> on [N, C] or [N, C, L]; <c>BatchNorm2d</c> on [N, C, H, W]; γ "weight" and β "bias".</summary>
    internal sealed class BatchNormLayer : LayerDefinition
    {
        private readonly int _spatialRank;

        public BatchNormLayer(int spatialRank) => _spatialRank = spatialRank;

        public override string TypeName => _spatialRank == 2 ? "BatchNorm2d" : "BatchNorm1d";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.BatchNormStats, OpKind.BatchNormApply, OpKind.BatchNormInfer };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            double features = Arg(layer, "numFeatures", -1);
            if (features < 1 || features != System.Math.Floor(features))
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, $"numFeatures must be a positive integer, but is {Format.Number(features)}");
            Shape shape = Shape.Of(Dim.Of((int)features));
            return new[]
            {
                new ParameterInfo(layer.Name + ".weight", layer.Name + ".Weight", shape, layer.Name),
                new ParameterInfo(layer.Name + ".bias", layer.Name + ".Bias", shape, layer.Name),
            };
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            Shape input = tracer[x].Shape;
            int features = (int)Arg(layer, "numFeatures", 1);
            bool rankFits = _spatialRank == 2 ? input.Rank == 4 : input.Rank == 2 || input.Rank == 3;
            if (!rankFits || input[1] != Dim.Of(features))
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                    (_spatialRank == 2 ? $"[N, {features}, H, W]" : $"[N, {features}] or [N, {features}, L]") + $" ({features} channels)", $"{input} from {tracer.Describe(x)}");
            int gamma = tracer.ParamNode(firstParameter, layer.Origin), beta = tracer.ParamNode(firstParameter + 1, layer.Origin);
            return tracer.Add(new Node(-1, OpKind.BatchNorm, EquatableArray.Create(x, gamma, beta), input, call.Origin) { Layer = layer.Name });
        }
    }

    /// <summary><c>Dropout(p = 0.5)</c>: no parameters; the probability is read from the layer when the mask is drawn.</summary>
    internal sealed class DropoutLayer : LayerDefinition
    {
        public override string TypeName => "Dropout";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.DropoutMask, OpKind.Mul };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            double p = Arg(layer, "p", 0.5);
            if (p < 0 || p > 1)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, $"p must be a probability in [0, 1], but is {Format.Number(p)}");
            return System.Array.Empty<ParameterInfo>();
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            return tracer.Add(new Node(-1, OpKind.Dropout, EquatableArray.Create(x), tracer[x].Shape, call.Origin) { Layer = layer.Name });
        }
    }
}
