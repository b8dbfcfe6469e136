using System.Collections.Generic;
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
    /// What the generator knows of one elementwise (or last-axis) operator: its Ops method, the constant arguments
    /// after x with their defaults, its gradient kind, and whether the backward keeps the output (else the input).
    /// </summary>
    internal sealed class PointwiseInfo
    {
        public PointwiseInfo(OpKind kind, OpKind grad, string name, bool keepsOutput, params (string Name, double Default)[] constants)
        {
            Kind = kind;
            Grad = grad;
            Name = name;
            KeepsOutput = keepsOutput;
            Constants = constants;
        }

        public OpKind Kind { get; }
        public OpKind Grad { get; }
        public string Name { get; }
        public bool KeepsOutput { get; }
        public (string Name, double Default)[] Constants { get; }

        /// <summary>Softmax and LogSoftmax work along rows of the last axis; the kernels take the row length.</summary>
        public bool LastAxis => Kind == OpKind.Softmax || Kind == OpKind.LogSoftmax;

        public static readonly PointwiseInfo[] All =
        {
            new PointwiseInfo(OpKind.Exp, OpKind.ExpGrad, "exp", true),
            new PointwiseInfo(OpKind.Log, OpKind.LogGrad, "log", false),
            new PointwiseInfo(OpKind.Sqrt, OpKind.SqrtGrad, "sqrt", true),
            new PointwiseInfo(OpKind.Abs, OpKind.AbsGrad, "abs", false),
            new PointwiseInfo(OpKind.Pow, OpKind.PowGrad, "pow", false, ("exponent", double.NaN)),
            new PointwiseInfo(OpKind.Clamp, OpKind.ClampGrad, "clamp", false, ("min", double.NaN), ("max", double.NaN)),
            new PointwiseInfo(OpKind.LeakyRelu, OpKind.LeakyReluGrad, "leaky_relu", false, ("negativeSlope", (double)0.01f)),
            new PointwiseInfo(OpKind.Elu, OpKind.EluGrad, "elu", false, ("alpha", 1)),
            new PointwiseInfo(OpKind.Gelu, OpKind.GeluGrad, "gelu", false, ("tanhApproximation", 0)),
            new PointwiseInfo(OpKind.Silu, OpKind.SiluGrad, "silu", false),
            new PointwiseInfo(OpKind.Softplus, OpKind.SoftplusGrad, "softplus", false, ("beta", 1), ("threshold", 20)),
            new PointwiseInfo(OpKind.Softmax, OpKind.SoftmaxGrad, "softmax", true),
            new PointwiseInfo(OpKind.LogSoftmax, OpKind.LogSoftmaxGrad, "log_softmax", true),
        };

        /// <summary>The constant arguments of a node (forward: inputs 1..; gradient: inputs 2..) as C# arguments.</summary>
        public string Arguments(CpuEmitContext context, Node node, int first)
        {
            var args = new List<string>();
            for (int i = first; i < node.Inputs.Count; i++)
                args.Add(Kind == OpKind.Gelu ? (context.Graph[node.Input(i)].Value != 0 ? "true" : "false") : context.Scalar(node.Input(i)));
            return string.Concat(args.Select(a => ", " + a));
        }
    }

    /// <summary>
    /// Exp, Log, Sqrt, Abs, Pow, Clamp, LeakyRelu, Elu, Gelu, Silu, Softplus, Softmax and LogSoftmax: x's shape in and
    /// out. Constant arguments stay inputs of the node as Const nodes (emitted as literals), so the gradient node
    /// reuses them. Each backward keeps one value, the output (Exp, Sqrt, Softmax, LogSoftmax) or the input (the rest),
    /// and reads the constants.
    /// Both directions call the runtime's kernels in ModelGen.Kernels.Elementwise, which eager mode runs too.
    /// </summary>
    internal sealed class PointwiseOp : Operator
    {
        private readonly PointwiseInfo _info;

        public PointwiseOp(PointwiseInfo info) => _info = info;

        public override OpKind Kind => _info.Kind;

        public override string Name => _info.Name;

        public override string OpsMethod => Kind.ToString();

        /// <summary>The output or the input, and the constant arguments (inputs 1.., literals that take no memory).</summary>
        public override SavedValues Saves
        {
            get
            {
                SavedValues kept = _info.KeepsOutput ? SavedValues.None.WithOutput() : SavedValues.None.WithInput(0);
                return kept.WithNames(new[] { "x" }.Concat(_info.Constants.Select(c => c.Name)).ToArray()).WithInputs(1, _info.Constants.Length);
            }
        }

        public override int Trace(GraphTracer tracer, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, OpsMethod, call.Origin);
            Shape shape = tracer[x].Shape;
            var inputs = new List<int> { x };
            var values = new List<double>();
            for (int i = 0; i < _info.Constants.Length; i++)
            {
                (string name, double fallback) = _info.Constants[i];
                int arg;
                if (i + 1 < args.Length) arg = args[i + 1];
                else if (!double.IsNaN(fallback)) arg = tracer.Add(new Node(-1, OpKind.Const, EquatableArray<int>.Empty, Shape.Scalar, call.Origin) { Value = fallback });
                else throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, OpsMethod, $"a value for '{name}'", "none");
                if (tracer[arg].Op != OpKind.Const)
                    throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, OpsMethod,
                        $"a compile-time constant '{name}'", $"{tracer[arg].Shape} from {tracer.Describe(arg)}");
                inputs.Add(arg);
                values.Add(tracer[arg].Value);
            }
            if (Kind == OpKind.Clamp && !(values[0] <= values[1]))
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, OpsMethod, "min ≤ max",
                    $"min {Format.Number(values[0])} and max {Format.Number(values[1])}");
            if (Kind == OpKind.Softplus && values[0] == 0)
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, OpsMethod, "a nonzero beta", "beta 0");
            if (_info.LastAxis && (shape.Rank == 0 || shape.Last.IsSymbolic))
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, OpsMethod,
                    "a tensor whose last axis has a fixed size", $"{shape} from {tracer.Describe(x)}");
            return tracer.Add(new Node(-1, Kind, inputs.ToEquatableArray(), shape, call.Origin));
        }

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0);
            if (!g.NeedsGrad(x)) return;
            var inputs = new List<int> { dY, _info.KeepsOutput ? node.Id : x };
            for (int i = 1; i < node.Inputs.Count; i++) inputs.Add(node.Input(i));
            g.Accumulate(x, g.Add(new Node(-1, _info.Grad, inputs.ToEquatableArray(), node.Shape, -1)));
        }

        public override void Emit(CpuEmitContext context, Node node)
        {
            string columns = _info.LastAxis ? ", " + Format.Int(node.Shape.Last.Size) : "";
            context.Line($"global::ModelGen.Kernels.Elementwise.{OpsMethod}<float>({context.Span(node.Input(0))}{_info.Arguments(context, node, 1)}, {context.Span(node.Id)}{columns});");
        }
    }

    /// <summary>The gradient of a <see cref="PointwiseOp"/>: inputs are the output gradient, the kept value, then the constants.</summary>
    internal sealed class PointwiseGradOp : Operator
    {
        private readonly PointwiseInfo _info;

        public PointwiseGradOp(PointwiseInfo info) => _info = info;

        public override OpKind Kind => _info.Grad;

        public override string Name => _info.Name + "_grad";

        public override void Emit(CpuEmitContext context, Node node)
        {
            string dy = context.Span(node.Input(0)), saved = context.Span(node.Input(1)), dx = context.Span(node.Id);
            string method = "global::ModelGen.Kernels.Elementwise." + _info.Kind + "Backward<float>";
            if (_info.LastAxis) context.Line($"{method}({dy}, {saved}, {dx}, {Format.Int(node.Shape.Last.Size)});");
            else context.Line($"{method}({dy}, {saved}{_info.Arguments(context, node, 2)}, {dx});");
        }
    }

    /// <summary>
    /// <c>PReLU(numParameters = 1, init = 0.25f)</c>: y = x where x &gt; 0, else w[c]·x, with one slope or one per channel
    /// (axis 1). Nodes carry Geometry [channels, inner] (the input viewed as [outer, channels, inner]; [1, 1] for one
    /// slope). The backward keeps the input and the slopes.
    /// </summary>
    internal sealed class PReluLayer : LayerDefinition
    {
        public override string TypeName => "PReLU";

        public override IReadOnlyList<OpKind> Operators => new[] { OpKind.PRelu };

        public override IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer)
        {
            double count = Arg(layer, "numParameters", 1);
            if (count < 1 || count != System.Math.Floor(count) || count > int.MaxValue)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, $"numParameters must be a positive integer, but is {Format.Number(count)}");
            yield return new ParameterInfo(layer.Name + ".weight", layer.Name + ".Weight", Shape.Of(Dim.Of((int)count)), layer.Name);
        }

        public override int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args)
        {
            int x = args[0];
            tracer.RequireFloat(x, layer.Name, call.Origin);
            Shape input = tracer[x].Shape;
            int weight = tracer.ParamNode(firstParameter, layer.Origin);
            int channels = (int)tracer[weight].Shape[0].Size, inner = 1;
            if (channels > 1)
            {
                bool fits = input.Rank >= 2 && input[1] == Dim.Of(channels);
                for (int i = 2; fits && i < input.Rank; i++)
                {
                    if (input[i].IsSymbolic) fits = false;
                    else inner *= (int)input[i].Size;
                }
                if (!fits)
                    throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name,
                        $"an input with {channels} channels on axis 1 (and fixed sizes after it)", $"{input} from {tracer.Describe(x)}");
            }
            else if (input.Rank == 0)
            {
                throw tracer.Fail(DiagnosticDescriptors.OperandShapeMismatch, call.Origin, layer.Name, "a tensor of rank 1 or more", $"a scalar from {tracer.Describe(x)}");
            }
            return tracer.Add(new Node(-1, OpKind.PRelu, EquatableArray.Create(x, weight), input, call.Origin)
            {
                Layer = layer.Name,
                Geometry = EquatableArray.Create(channels, inner),
            });
        }
    }

    /// <summary>PReLU (inputs: x, slopes); see <see cref="PReluLayer"/>.</summary>
    internal sealed class PReluOp : Operator
    {
        public override OpKind Kind => OpKind.PRelu;
        public override string Name => "prelu";
        public override SavedValues Saves => SavedValues.None.WithNames("x", "slopes").WithInputs(0, 1);

        public override void Differentiate(GradientBuilder g, Node node, int dY)
        {
            int x = node.Input(0), weight = node.Input(1);
            EquatableArray<int> inputs = EquatableArray.Create(dY, x, weight);
            if (g.NeedsGrad(x))
                g.Accumulate(x, g.Add(new Node(-1, OpKind.PReluGrad, inputs, node.Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
            if (g.NeedsGrad(weight))
                g.Accumulate(weight, g.Add(new Node(-1, OpKind.PReluWeightGrad, inputs, g[weight].Shape, -1) { Geometry = node.Geometry, Layer = node.Layer }));
        }

        public override void Emit(CpuEmitContext context, Node node)
            => context.Line($"global::ModelGen.Kernels.Elementwise.PRelu<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Id)}, {Format.Int(node.Geometry[0])}, {Format.Int(node.Geometry[1])});");
    }

    /// <summary>PReLU's gradient for the input (PReluGrad) or the slopes (PReluWeightGrad); inputs: dy, x, slopes.</summary>
    internal sealed class PReluGradOp : Operator
    {
        public PReluGradOp(OpKind kind) => Kind = kind;

        public override OpKind Kind { get; }

        public override string Name => Kind == OpKind.PReluGrad ? "prelu_grad" : "prelu_weight_grad";

        public override void Emit(CpuEmitContext context, Node node)
        {
            string dx = Kind == OpKind.PReluGrad ? context.Span(node.Id) : "default";
            string dw = Kind == OpKind.PReluWeightGrad ? context.Span(node.Id) : "default";
            context.Line($"global::ModelGen.Kernels.Elementwise.PReluBackward<float>({context.Span(node.Input(0))}, {context.Span(node.Input(1))}, {context.Span(node.Input(2))}, {dx}, {dw}, {Format.Int(node.Geometry[0])}, {Format.Int(node.Geometry[1])});");
        }
    }
}
