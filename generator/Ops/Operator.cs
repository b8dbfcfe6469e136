using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator
{
    /// <summary>Every operator of the IR. Each has exactly one <see cref="Ops.Operator"/> in Ops/.</summary>
    internal enum OpKind
    {
        // Sources (Ops/Sources.cs)
        Input, Label, Param, Const, Copy,
        // Matrix multiply (Ops/MatMul.cs)
        MatMul,
        // Arithmetic with broadcasting (Ops/Arithmetic.cs)
        Add, Sub, Mul, Div, Neg,
        // Activations and their gradients (Ops/Activations.cs)
        Relu, Sigmoid, Tanh, ReluGrad, SigmoidGrad, TanhGrad,
        // Reductions (Ops/Reductions.cs)
        Sum, Mean, SumTo, Expand,
        // Losses and their gradients (Ops/Losses.cs)
        CrossEntropy, CrossEntropyGrad, MseLoss, MseGrad,
        // Convolution (Ops/Convolution.cs)
        Conv2d, Conv2dGradInput, Conv2dGradWeight, Conv2dGradBias,
        // Pooling (Ops/Pooling.cs)
        MaxPool2d, MaxPool2dGrad, AvgPool2d, AvgPool2dGrad,
        // Layout (Ops/Layout.cs)
        Reshape,
        // Normalisation and dropout (Ops/Normalization.cs), lowered per mode by Passes/LowerTrainingModes.cs
        BatchNorm, BatchNormStats, BatchNormApply, BatchNormInfer, BatchNormGradInput, BatchNormGradGamma, BatchNormGradBeta,
        Dropout, DropoutMask,
        // Elementwise math, activations, softmax and PReLU, with their gradients (Ops/Elementwise.cs)
        Exp, Log, Sqrt, Abs, Pow, Clamp, LeakyRelu, Elu, Gelu, Silu, Softplus, Softmax, LogSoftmax,
        ExpGrad, LogGrad, SqrtGrad, AbsGrad, PowGrad, ClampGrad, LeakyReluGrad, EluGrad, GeluGrad, SiluGrad, SoftplusGrad,
        SoftmaxGrad, LogSoftmaxGrad, PRelu, PReluGrad, PReluWeightGrad,
        // Layout: traced names and moves (Ops/Layout.cs, Ops/Concat.cs); Flatten and Transpose trace into Reshape and Permute
        Flatten, Permute, Transpose, Concat, Slice, SliceGrad,
        // Resampling (Ops/Resampling.cs); GlobalAvgPool traces into AdaptiveAvgPool2d
        GlobalAvgPool, AdaptiveAvgPool2d, AdaptiveAvgPool2dGrad, Upsample, UpsampleGrad,
        // Axis reductions (Ops/Reductions.cs) and more losses (Ops/MoreLosses.cs)
        SumAxis, MeanAxis, MaxAxis, SumAxisGrad, MaxAxisGrad,
        L1Loss, SmoothL1Loss, HuberLoss, BCEWithLogits, KLDiv,
        L1Grad, SmoothL1Grad, HuberGrad, BCEWithLogitsGrad, BCEWithLogitsTargetGrad, KLDivGrad, KLDivTargetGrad,
        NllLoss, NllGrad,
        // Transposed convolution (Ops/ConvolutionTranspose.cs)
        ConvTranspose2d, ConvTranspose2dGradInput, ConvTranspose2dGradWeight, ConvTranspose2dGradBias,
        // Made by the fusion passes only (Ops/Fused.cs): one loop for an elementwise chain, batch norm folded into weights
        FusedElementwise, FoldBatchNormWeight, FoldBatchNormBias,
        // Layer normalisation over the last axis (Ops/LayerNorm.cs): statistics written by layer_norm, one backward kernel
        LayerNorm, LayerNormStats, LayerNormGradInput, LayerNormGradWeight, LayerNormGradBias,
        // Embedding lookup over Int32 ids and the table's gradient (Ops/Embedding.cs)
        Embedding, EmbeddingGrad,
        // Random draws (Ops/Random.cs)
        RandnLike,
    }
}

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// One operator, defined once: how a call traces into a node (its shape rule and diagnostics), its gradient rule,
    /// and how it is emitted as C#. The generator's other stages dispatch here and know no operator by name.
    /// </summary>
    internal abstract class Operator
    {
        public abstract OpKind Kind { get; }

        /// <summary>The mnemonic in printed IR.</summary>
        public abstract string Name { get; }

        /// <summary>The <c>ModelGen.Ops</c> method this operator is traced from, if users call it directly.</summary>
        public virtual string? OpsMethod => null;

        /// <summary>
        /// Which forward values (input positions, its own output) this operator's gradient rule reads, so the backward
        /// keeps them alive: exactly what <see cref="Differentiate"/> reads, no more and no less (SavedValuesTests checks it).
        /// </summary>
        public virtual SavedValues Saves => SavedValues.None;

        /// <summary>Traces a call of <see cref="OpsMethod"/> with traced arguments into a node; reports shape errors.</summary>
        public virtual int Trace(GraphTracer tracer, ExprSpec call, int[] args)
            => throw new System.InvalidOperationException(Name + " is not traced from user code");

        /// <summary>Adds the nodes computing the gradients of the inputs that need one, given the output's gradient.</summary>
        public virtual void Differentiate(GradientBuilder gradients, Node node, int outputGradient)
        {
        }

        /// <summary>Scratch elements the kernel needs while it runs (one shared workspace per plan holds the largest).</summary>
        public virtual SizeExpr Workspace(IR.Graph graph, Node node) => default;

        /// <summary>Writes the C# that computes the node into its planned buffer.</summary>
        public abstract void Emit(CpuEmitContext context, Node node);
    }
}
