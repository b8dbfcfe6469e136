using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// What distinguishes a convolution kind (plain or transposed) for the four operators they share: the IR kinds
    /// and names, the runtime kernels' prefix, the geometry type whose constructor arguments every node carries, and
    /// the workspace its kernels need.
    /// </summary>
    internal sealed class ConvolutionFamily
    {
        public static readonly ConvolutionFamily Plain = new ConvolutionFamily(
            OpKind.Conv2d, OpKind.Conv2dGradInput, OpKind.Conv2dGradWeight, OpKind.Conv2dGradBias,
            "conv2d", "Conv2d", ConvolutionGeometry.Workspace);

        public static readonly ConvolutionFamily Transposed = new ConvolutionFamily(
            OpKind.ConvTranspose2d, OpKind.ConvTranspose2dGradInput, OpKind.ConvTranspose2dGradWeight, OpKind.ConvTranspose2dGradBias,
            "conv_transpose2d", "ConvTranspose2d", ConvolutionTransposeGeometry.Workspace);

        private ConvolutionFamily(OpKind forward, OpKind gradInput, OpKind gradWeight, OpKind gradBias,
            string name, string kernel, System.Func<EquatableArray<int>, SizeExpr> workspace)
        {
            Forward = forward;
            GradInput = gradInput;
            GradWeight = gradWeight;
            GradBias = gradBias;
            Name = name;
            Kernel = kernel;
            Workspace = workspace;
        }

        public OpKind Forward { get; }
        public OpKind GradInput { get; }
        public OpKind GradWeight { get; }
        public OpKind GradBias { get; }

        /// <summary>The IR mnemonic of the forward operator; gradients append _grad_input, _grad_weight, _grad_bias.</summary>
        public string Name { get; }

        /// <summary>The runtime kernels' prefix (Convolution.{Kernel}Forward, …) and geometry type ({Kernel}Geometry).</summary>
        public string Kernel { get; }

        public System.Func<EquatableArray<int>, SizeExpr> Workspace { get; }

        public string GeometryField(CpuEmitContext context, Node node)
            => context.Fields.Get(Kernel + "Geometry", string.Join(", ", node.Geometry.Select(Format.Int)));
    }

    /// <summary>
    /// A convolution's forward (inputs: x, weight, optional bias), as im2col or column scatter plus the packed GEMM in
    /// the runtime. Its backward keeps x for the weight gradient and the weight for the input gradient.
    /// </summary>
    internal sealed class ConvolutionOp : Operator
    {
        private readonly ConvolutionFamily _family;

        public ConvolutionOp(ConvolutionFamily family) => _family = family;

        public override OpKind Kind => _family.Forward;
        public override string Name => _family.Name;
        public override SavedValues Saves => SavedValues.None.WithNames("x", "W", "bias").WithInput(0, forGradientOf: 1).WithInput(1, forGradientOf: 0);
        public override SizeExpr Workspace(Graph graph, Node node) => _family.Workspace(node.Geometry);

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0), weight = node.Input(1);
            if (g.NeedsGrad(x))
                g.Accumulate(x, g.Add(new Node(-1, _family.GradInput, EquatableArray.Create(dY, weight), g[x].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
            if (g.NeedsGrad(weight))
                g.Accumulate(weight, g.Add(new Node(-1, _family.GradWeight, EquatableArray.Create(dY, x), g[weight].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
            if (node.Inputs.Count > 2 && g.NeedsGrad(node.Input(2)))
                g.Accumulate(node.Input(2), g.Add(new Node(-1, _family.GradBias, EquatableArray.Create(dY), g[node.Input(2)].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            string bias = node.Inputs.Count > 2 ? context.Span(node.Input(2)) : "global::System.ReadOnlySpan<float>.Empty";
            string batch = node.Shape[0].ToCode(context.Batch);
            // A plain convolution may run int8 (CompileOptions.Quantization); the float kernel runs when it does not.
            string? int8 = context.Int8?.FieldOf(node.Id);
            int pool = int8 == null ? -1 : context.Int8!.PoolOf(node.Id);
            string convolution = $"global::ModelGen.Kernels.Convolution.{_family.Kernel}Forward<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {bias}, {context.Span(node.Id)}, " +
                                 $"{batch}, {_family.GeometryField(context, node)}, {context.Workspace(Workspace(context.Graph, node))}" +
                                 (node.Activation == Epilogue.Relu ? ", global::ModelGen.Kernels.Activation.Relu);" : ");");
            if (int8 == null)
            {
                context.Line(convolution);
                return;
            }
            // With a max pooling fused the int8 call writes the pooled output; the fallback runs both float kernels.
            context.Line($"if ({int8} is null || !{int8}.TryForward({batch}, {context.Span(node.Input(0))}, {context.Span(pool >= 0 ? pool : node.Id)}))");
            if (pool < 0)
            {
                context.Line("    " + convolution);
                return;
            }
            context.Line("{");
            context.Line("    " + convolution);
            context.Line("    " + PoolOp.Call(context, context.Graph[pool]));
            context.Line("}");
        }

        /// <summary>The output channels of one full panel of the int8 GEMM (GemmInt8.PanelWidth): from here on the im2col GEMM runs.</summary>
        public const int Int8MinOutChannels = 16;

        /// <summary>
        /// Whether a node of the inference graph can run as an int8 convolution (CompileOptions.Quantization): a
        /// Conv2d layer with groups 1 whose weight (and bias) are parameters and whose epilogue is none or ReLU.
        /// Grouped and depthwise convolutions stay float32 (not implemented): each group would be its own GEMM only
        /// OutChannels/Groups wide (1 for depthwise), mostly padding in the int8 kernel's 16-column panels. With fewer
        /// than 16 output channels the runtime's channels-as-rows kernel (Int8Conv2d.RunsNarrow) needs stride 1 and
        /// dilation 1, and it groups taps four at a time, so a kernel under 3×3 would be mostly zero weights: those
        /// stay float32. LeNet-5's conv1 (1 → 6, 5×5) runs int8 (docs/quantization.md).
        /// </summary>
        public static bool RunsInt8(Graph graph, Node node)
            => node.Op == OpKind.Conv2d && node.Layer.Length > 0 && node.Geometry.Count == 13 && node.Geometry[12] == 1
               && (node.Geometry[3] >= Int8MinOutChannels || RunsNarrowInt8(node.Geometry))
               && graph[node.Input(1)].Op == OpKind.Param
               && (node.Inputs.Count == 2 || graph[node.Input(2)].Op == OpKind.Param)
               && (node.Activation == Epilogue.None || node.Activation == Epilogue.Relu);

        /// <summary>
        /// The max pooling an int8 convolution runs in its epilogue (Int8Conv2d.MaxPool), or -1: a 2×2, stride-2,
        /// unpadded MaxPool2d that is the convolution's only reader and the next node the schedule runs, so that writing
        /// its output early, at the convolution, overwrites nothing live. The memory plan keeps the convolution's input
        /// alive until the pooling (<see cref="Passes.PlanMemory"/>): the fused call reads it while it writes the
        /// pooled output, which must not share its slot. The float fallback runs both kernels as before.
        /// </summary>
        public static int FusedInt8MaxPool(Graph graph, Node node)
        {
            if (!RunsInt8(graph, node) || graph.IsOutput(node.Id)) return -1;
            int pool = -1;
            foreach (Node reader in graph.Nodes)
            {
                if (!reader.Inputs.Contains(node.Id)) continue;
                if (pool >= 0 || reader.Op != OpKind.MaxPool2d) return -1;
                pool = reader.Id;
            }
            if (pool < 0) return -1;
            for (int between = node.Id + 1; between < pool; between++)
            {
                OpKind op = graph[between].Op;
                if (op != OpKind.Input && op != OpKind.Label && op != OpKind.Param && op != OpKind.Const) return -1;
            }
            EquatableArray<int> p = graph[pool].Geometry; // [C, H, W, kh, kw, sh, sw, ph, pw]
            return p[3] == 2 && p[4] == 2 && p[5] == 2 && p[6] == 2 && p[7] == 0 && p[8] == 0 ? pool : -1;
        }

        /// <summary>A narrow convolution the int8 channels-as-rows kernel runs well: stride 1, dilation 1, kernel at least 3×3.</summary>
        private static bool RunsNarrowInt8(EquatableArray<int> g)
            => g[6] == 1 && g[7] == 1 && g[10] == 1 && g[11] == 1 && g[4] >= 3 && g[5] >= 3;
    }

    /// <summary>
    /// A convolution's gradients: of the input (inputs: output gradient, weight), of the weight summed over the batch
    /// (inputs: output gradient, input), and of the bias, the output gradient summed per channel (input: output gradient).
    /// </summary>
    internal sealed class ConvolutionGradOp : Operator
    {
        private readonly ConvolutionFamily _family;

        public ConvolutionGradOp(ConvolutionFamily family, OpKind kind)
        {
            _family = family;
            Kind = kind;
        }

        public override OpKind Kind { get; }

        public override string Name => _family.Name + (Kind == _family.GradInput ? "_grad_input" : Kind == _family.GradWeight ? "_grad_weight" : "_grad_bias");

        public override SizeExpr Workspace(Graph graph, Node node) => Kind == _family.GradBias ? default : _family.Workspace(node.Geometry);

        public override void Emit(CpuEmitContext context, Node node)
        {
            string dY = context.Span(node.Input(0)), dst = context.Span(node.Id), geometry = _family.GeometryField(context, node);
            if (Kind == _family.GradBias)
            {
                context.Line($"global::ModelGen.Kernels.Convolution.{_family.Kernel}BackwardBias<float>({dY}, {dst}, {context.Graph[node.Input(0)].Shape[0].ToCode(context.Batch)}, {geometry});");
                return;
            }
            bool input = Kind == _family.GradInput;
            string batch = (input ? node.Shape[0] : context.Graph[node.Input(1)].Shape[0]).ToCode(context.Batch);
            context.Line($"global::ModelGen.Kernels.Convolution.{_family.Kernel}Backward{(input ? "Input" : "Weight")}<float>({dY}, {context.Span(node.Input(1))}, {dst}, " +
                         $"{batch}, {geometry}, {context.Workspace(Workspace(context.Graph, node))});");
        }
    }
}
