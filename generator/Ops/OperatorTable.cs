using System.Collections.Generic;
using System.Linq;

namespace ModelGen.Generator.Ops
{
    /// <summary>The operators and layers the generator knows, looked up by IR kind, Ops method or layer type.</summary>
    internal static class OperatorTable
    {
        private static readonly Operator[] All = new Operator[]
        {
            new InputOp(), new LabelOp(), new ParamOp(), new ConstOp(), new CopyOp(),
            new MatMulOp(),
            new BinaryOp(OpKind.Add), new BinaryOp(OpKind.Sub), new BinaryOp(OpKind.Mul), new BinaryOp(OpKind.Div), new NegOp(),
            new ActivationOp(OpKind.Relu), new ActivationOp(OpKind.Sigmoid), new ActivationOp(OpKind.Tanh),
            new ActivationGradOp(OpKind.ReluGrad), new ActivationGradOp(OpKind.SigmoidGrad), new ActivationGradOp(OpKind.TanhGrad),
            new ReduceOp(OpKind.Sum), new ReduceOp(OpKind.Mean), new SumToOp(), new ExpandOp(),
            new CrossEntropyOp(), new CrossEntropyGradOp(), new MseLossOp(), new MseGradOp(),
            new ConvolutionOp(ConvolutionFamily.Plain), new ConvolutionGradOp(ConvolutionFamily.Plain, OpKind.Conv2dGradInput),
            new ConvolutionGradOp(ConvolutionFamily.Plain, OpKind.Conv2dGradWeight), new ConvolutionGradOp(ConvolutionFamily.Plain, OpKind.Conv2dGradBias),
            new PoolOp(OpKind.MaxPool2d), new PoolGradOp(OpKind.MaxPool2dGrad), new PoolOp(OpKind.AvgPool2d), new PoolGradOp(OpKind.AvgPool2dGrad),
            new ReshapeOp(),
            new BatchNormOp(), new BatchNormStatsOp(), new BatchNormApplyOp(), new BatchNormInferOp(),
            new BatchNormGradOp(OpKind.BatchNormGradInput), new BatchNormGradOp(OpKind.BatchNormGradGamma), new BatchNormGradOp(OpKind.BatchNormGradBeta),
            new DropoutOp(), new DropoutMaskOp(),
            new AxisReduceOp(OpKind.SumAxis), new AxisReduceOp(OpKind.MeanAxis), new AxisReduceOp(OpKind.MaxAxis),
            new AxisReduceGradOp(OpKind.SumAxisGrad), new AxisReduceGradOp(OpKind.MaxAxisGrad),
            new PairLossOp(OpKind.L1Loss), new PairLossOp(OpKind.SmoothL1Loss), new PairLossOp(OpKind.HuberLoss),
            new PairLossOp(OpKind.BCEWithLogits), new PairLossOp(OpKind.KLDiv),
            new PairLossGradOp(OpKind.L1Grad), new PairLossGradOp(OpKind.SmoothL1Grad), new PairLossGradOp(OpKind.HuberGrad),
            new PairLossGradOp(OpKind.BCEWithLogitsGrad), new PairLossGradOp(OpKind.BCEWithLogitsTargetGrad),
            new PairLossGradOp(OpKind.KLDivGrad), new PairLossGradOp(OpKind.KLDivTargetGrad),
            new NllLossOp(), new NllGradOp(),
            new FlattenOp(), new PermuteOp(), new TransposeOp(), new ConcatOp(), new SliceOp(), new SliceGradOp(),
            new GlobalAvgPoolOp(), new AdaptiveAvgPoolOp(), new AdaptiveAvgPoolGradOp(), new UpsampleOp(), new UpsampleGradOp(),
            new ConvolutionOp(ConvolutionFamily.Transposed), new ConvolutionGradOp(ConvolutionFamily.Transposed, OpKind.ConvTranspose2dGradInput),
            new ConvolutionGradOp(ConvolutionFamily.Transposed, OpKind.ConvTranspose2dGradWeight), new ConvolutionGradOp(ConvolutionFamily.Transposed, OpKind.ConvTranspose2dGradBias),
        }
        .Concat(PointwiseInfo.All.Select(i => (Operator)new PointwiseOp(i)))
        .Concat(PointwiseInfo.All.Select(i => (Operator)new PointwiseGradOp(i)))
        .Concat(new Operator[] { new PReluOp(), new PReluGradOp(OpKind.PReluGrad), new PReluGradOp(OpKind.PReluWeightGrad) })
        .Concat(new Operator[] { new FusedElementwiseOp(), new FoldBatchNormOp(OpKind.FoldBatchNormWeight), new FoldBatchNormOp(OpKind.FoldBatchNormBias) })
        .Concat(new Operator[] { new LayerNormStatsOp(), new LayerNormOp(), new LayerNormGradOp(OpKind.LayerNormGradInput), new LayerNormGradOp(OpKind.LayerNormGradWeight), new LayerNormGradOp(OpKind.LayerNormGradBias) })
        .Concat(new Operator[] { new EmbeddingOp(), new EmbeddingGradOp(), new RandnLikeOp() })
        .ToArray();

        private static readonly Dictionary<OpKind, Operator> ByKind = All.ToDictionary(o => o.Kind);

        private static readonly Dictionary<string, Operator> ByOpsMethod =
            All.Where(o => o.OpsMethod != null).ToDictionary(o => o.OpsMethod!, System.StringComparer.Ordinal);

        private static readonly LayerDefinition[] AllLayers =
            { new LinearLayer(), new Conv2dLayer(), new PoolLayer(OpKind.MaxPool2d), new PoolLayer(OpKind.AvgPool2d), new PReluLayer(), new AdaptiveAvgPoolLayer(),
              new BatchNormLayer(1), new BatchNormLayer(2), new DropoutLayer(), new ConvTranspose2dLayer(), new LayerNormLayer(), new EmbeddingLayer() };

        private static readonly Dictionary<string, LayerDefinition> Layers = AllLayers.ToDictionary(l => l.TypeName, System.StringComparer.Ordinal);

        public static Operator Of(OpKind kind) => ByKind[kind];

        public static Operator? ForOpsMethod(string name) => ByOpsMethod.TryGetValue(name, out Operator? op) ? op : null;

        public static LayerDefinition? Layer(string typeName) => Layers.TryGetValue(typeName, out LayerDefinition? layer) ? layer : null;

        public static IEnumerable<string> OpsMethods => ByOpsMethod.Keys.OrderBy(k => k, System.StringComparer.Ordinal);

        /// <summary>Every operator, in table order (for documentation and tests).</summary>
        public static IReadOnlyList<Operator> Operators => All;

        /// <summary>Every layer type, in table order (for documentation and tests).</summary>
        public static IReadOnlyList<LayerDefinition> LayerTypes => AllLayers;
    }
}
