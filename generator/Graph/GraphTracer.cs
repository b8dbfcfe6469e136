using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Ops;
using ModelGen.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.IR
{
    /// <summary>
    /// Traces Forward and the [Loss] method of a <see cref="ModelSpec"/> into a <see cref="Graph"/>, inferring
    /// every shape. The first shape error stops tracing with a located diagnostic naming the dimensions.
    /// </summary>
    internal sealed class GraphTracer
    {
        private readonly ModelSpec _spec;
        private readonly CancellationToken _cancellation;
        private readonly Dictionary<string, (LayerSpec Spec, LayerDefinition Definition, int FirstParameter)> _layers =
            new Dictionary<string, (LayerSpec, LayerDefinition, int)>(System.StringComparer.Ordinal);
        private readonly Dictionary<int, int> _paramNodes = new Dictionary<int, int>();
        private readonly HashSet<int> _consumedLabels = new HashSet<int>();
        private Dictionary<string, int> _locals = new Dictionary<string, int>(System.StringComparer.Ordinal);

        private GraphTracer(ModelSpec spec, CancellationToken cancellation)
        {
            _spec = spec;
            _cancellation = cancellation;
            Builder = new GraphBuilder(spec.ClassName, "", System.Array.Empty<ParameterInfo>());
        }

        public GraphBuilder Builder { get; }

        /// <summary>Traces the model; returns the graph, or null with the diagnostics that stopped it.</summary>
        public static (Graph? Graph, EquatableArray<DiagnosticInfo> Diagnostics) Trace(ModelSpec spec, CancellationToken cancellation)
        {
            var tracer = new GraphTracer(spec, cancellation);
            try
            {
                tracer.TraceModel();
                return (DropUnreadConstants(tracer.Builder.ToGraph()), EquatableArray<DiagnosticInfo>.Empty);
            }
            catch (ModelErrorException error)
            {
                return (null, EquatableArray.Create(error.Diagnostic));
            }
        }

        /// <summary>
        /// Constants that only configured an operator (an axis, a slope, an omitted optional argument) were read while
        /// tracing and are inputs of nothing: the traced graph shows data flow only.
        /// </summary>
        private static Graph DropUnreadConstants(Graph graph)
        {
            var read = new bool[graph.Count];
            foreach (Node node in graph.Nodes)
            {
                foreach (int input in node.Inputs) read[input] = true;
            }
            foreach (int root in graph.Roots) read[root] = true;
            var live = new bool[graph.Count];
            for (int i = 0; i < graph.Count; i++) live[i] = graph[i].Op != OpKind.Const || read[i];
            return GraphBuilder.Compact(graph, live);
        }

        /// <summary>Stops tracing with a diagnostic at <paramref name="origin"/>.</summary>
        public ModelErrorException Fail(DiagnosticDescriptor descriptor, int origin, params string[] args)
            => new ModelErrorException(DiagnosticInfo.Create(descriptor, origin, args));

        public Node this[int id] => Builder[id];

        /// <summary>Adds a traced node; a value of more elements than an array holds is MG0004/MG0009 at its origin.</summary>
        public int Add(Node node)
        {
            SizeExpr count = node.Shape.Count;
            if (count.Fixed > int.MaxValue || count.PerBatch > int.MaxValue || count.Named.Any(t => t.Coefficient > int.MaxValue))
                throw Fail(DiagnosticDescriptors.OperandShapeMismatch, node.Origin, OperatorTable.Of(node.Op).Name,
                    $"at most {int.MaxValue} elements (per unit of each named dimension)", $"{node.Shape}, which holds more");
            return Builder.Add(node);
        }

        private void TraceModel()
        {
            foreach (LayerSpec layer in _spec.Layers)
            {
                LayerDefinition definition = OperatorTable.Layer(layer.Kind)
                    ?? throw Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name,
                        $"ModelGen has no layer '{layer.Kind}' yet; the layers it compiles are: " + string.Join(", ", OperatorTable.LayerTypes.Select(l => l.TypeName)));
                int first = Builder.Parameters.Count;
                Builder.Parameters.AddRange(definition.Parameters(this, layer));
                _layers[layer.Name] = (layer, definition, first);
            }

            // Every Forward parameter is an input; the first named leading dimension is the batch.
            Builder.BatchSymbol = _spec.Forward.Parameters.Select(p => p.Shape.Count > 0 ? p.Shape[0].Symbol : null).FirstOrDefault(s => s != null) ?? "";
            // Training works on batches: a model with a loss needs a named leading dimension on an input.
            if (Builder.BatchSymbol.Length == 0 && _spec.Loss != null)
                throw Fail(DiagnosticDescriptors.InvalidShape, _spec.Forward.Parameters[0].Origin, _spec.Forward.Parameters[0].Name,
                    "a model with a [Loss] trains on batches, so an input needs a named leading (batch) dimension, e.g. [Shape(\"B\", 784)]");
            foreach (ParamSpec input in _spec.Forward.Parameters)
                _locals[input.Name] = Add(new Node(-1, OpKind.Input, EquatableArray<int>.Empty, ShapeOf(input), input.Origin) { Name = input.Name });
            foreach (int returned in TraceBody(_spec.Forward))
            {
                // The compiled Forward writes its own output tensors, so returning a source, or one value twice, needs a copy.
                OpKind op = this[returned].Op;
                bool copy = op == OpKind.Input || op == OpKind.Param || op == OpKind.Const || Builder.Outputs.Contains(returned);
                int output = copy ? Builder.Add(OpKind.Copy, this[returned].Shape, _spec.Forward.Origin, returned) : returned;
                if (this[output].Type != ElementType.Float32)
                    throw Fail(DiagnosticDescriptors.InvalidModel, _spec.Forward.Origin, _spec.ClassName, "Forward must return float tensors");
                Builder.Outputs.Add(output);
            }

            if (_spec.Loss == null) return;
            ParamSpec received = _spec.Loss.Parameters[0];
            _locals = new Dictionary<string, int>(System.StringComparer.Ordinal);
            if (received.TupleArity == 0) _locals[received.Name] = Builder.Outputs[0];
            for (int i = 0; i < received.TupleArity; i++) _locals[received.Name + ".Item" + Format.Int(i + 1)] = Builder.Outputs[i];
            foreach (ParamSpec label in _spec.Loss.Parameters.Skip(1))
                _locals[label.Name] = Add(new Node(-1, OpKind.Label, EquatableArray<int>.Empty, ShapeOf(label), label.Origin) { Name = label.Name });
            // A loss may return a tuple: the loss first, then scalar terms the compiled step reports (LossTerms).
            int[] losses = TraceBody(_spec.Loss);
            int loss = losses[0];
            foreach (int term in losses.Skip(1))
            {
                if (this[term].Shape.Rank != 0)
                    throw Fail(DiagnosticDescriptors.LossInputsMismatch, _spec.Loss.Origin, _spec.Loss.Name,
                        $"each term a loss reports after the loss must be a scalar, but one is {this[term].Shape}");
                bool copy = term == loss || Builder.Reports.Contains(term) || this[term].Op == OpKind.Const;
                Builder.Reports.Add(copy ? Builder.Add(OpKind.Copy, Shape.Scalar, _spec.Loss.Origin, term) : term);
            }
            if (this[loss].Shape.Rank != 0)
                throw Fail(DiagnosticDescriptors.LossInputsMismatch, _spec.Loss.Origin, _spec.Loss.Name,
                    $"a loss must reduce to a scalar, but it returns {this[loss].Shape}; end it with a loss such as CrossEntropy, or Mean(...)");
            Builder.Loss = loss;
        }

        private Shape ShapeOf(ParamSpec parameter)
        {
            var dims = new List<Dim>();
            foreach (DimSpec d in parameter.Shape)
            {
                if (d.Symbol == null) { dims.Add(Dim.Of(d.Size)); continue; }
                // The batch is the leading dimension of Forward's first input; any other name is a dimension of its own,
                // bound at run time by the first input that has it, so a target can only repeat an input's names.
                bool known = d.Symbol == Builder.BatchSymbol || Builder.Nodes.Any(n => n.Op == OpKind.Input && n.Shape.Dims.Any(x => x.Symbol == d.Symbol));
                if (!known && _locals.Count > 0 && Builder.Nodes.Any(n => n.Op == OpKind.Input) && !_spec.Forward.Parameters.Contains(parameter))
                    throw Fail(DiagnosticDescriptors.InvalidShape, parameter.Origin, parameter.Name,
                        $"the dimension '{d.Symbol}' names no axis of Forward's inputs, so its size is unknown when the loss runs; use a name an input has, or a size");
                dims.Add(d.Symbol == Builder.BatchSymbol ? Dim.Batch(d.Symbol) : Dim.Named(d.Symbol));
            }
            return Shape.Of(dims);
        }

        /// <summary>Traces a method's statements; returns what it returns, one node per element of a returned tuple.</summary>
        private int[] TraceBody(MethodSpec method)
        {
            foreach (StmtSpec statement in method.Body)
            {
                _cancellation.ThrowIfCancellationRequested();
                if (statement.Kind == StmtKind.Return && statement.Value.Kind == ExprKind.Tuple) return TraceArgs(statement.Value);
                int value = TraceExpr(statement.Value);
                if (statement.Kind == StmtKind.Return) return new[] { value };
                _locals[statement.Target] = value;
            }
            throw Fail(DiagnosticDescriptors.InvalidModel, method.Origin, _spec.ClassName, $"{method.Name} must end by returning a tensor");
        }

        private int TraceExpr(ExprSpec expr)
        {
            if (expr.CallContext.Length == 0) return TraceNode(expr);
            try
            {
                return TraceNode(expr);
            }
            catch (ModelErrorException error) when (!error.HasCallContext)
            {
                // Inside an inlined block or helper: the message says which call led there.
                throw error.WithCallContext(expr.CallContext);
            }
        }

        private int TraceNode(ExprSpec expr)
        {
            switch (expr.Kind)
            {
                case ExprKind.Local:
                    if (_locals.TryGetValue(expr.Name, out int local)) return local;
                    throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expr.Origin, $"The local '{expr.Name}'", "trace",
                        "it is not assigned a tensor before this use");
                case ExprKind.Constant:
                    return Add(new Node(-1, OpKind.Const, EquatableArray<int>.Empty, Shape.Scalar, expr.Origin) { Value = expr.Value });
                case ExprKind.Negate:
                    return OperatorTable.Of(OpKind.Neg).Trace(this, expr, TraceArgs(expr));
                case ExprKind.Binary:
                    return OperatorTable.Of(BinaryOp.KindOf(expr.Name)).Trace(this, expr, TraceArgs(expr));
                case ExprKind.Tuple:
                    throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expr.Origin, "A tuple", "trace", "only Forward returns a tuple; take its elements apart first");
                case ExprKind.LayerCall:
                {
                    var (spec, definition, first) = _layers[expr.Name];
                    int[] args = TraceArgs(expr);
                    RequireBatchOnly(args, spec.Kind, NamedDimensionLayers.Contains(spec.Kind), expr.Origin);
                    return definition.Trace(this, spec, first, expr, args);
                }
                default:
                {
                    Operator op = OperatorTable.ForOpsMethod(expr.Name)
                        ?? throw Fail(DiagnosticDescriptors.UnsupportedConstruct, expr.Origin, $"Ops.{expr.Name}", "trace",
                            "the compiler does not know this operation yet; supported: " + string.Join(", ", OperatorTable.OpsMethods));
                    int[] args = TraceArgs(expr);
                    RequireBatchOnly(args, expr.Name, NamedDimensionOps.Contains(expr.Name), expr.Origin);
                    return op.Trace(this, expr, args);
                }
            }
        }

        /// <summary>
        /// The operators whose shape rules and kernels handle named dimensions other than the batch (a sequence length
        /// "T"): row-wise and elementwise ones, which see such a dimension as more rows. The others still assume a
        /// batch-only symbolic shape and refuse such inputs until they are generalised.
        /// </summary>
        private static readonly HashSet<string> NamedDimensionOps = new HashSet<string>(System.StringComparer.Ordinal)
        {
            "Relu", "Sigmoid", "Tanh", "Gelu", "Silu", "Elu", "LeakyRelu", "Softplus", "Exp", "Log", "Sqrt", "Abs", "Pow", "Clamp",
            "Sum", "Mean", "MseLoss", "HuberLoss", "RandnLike",
        };

        private static readonly HashSet<string> NamedDimensionLayers = new HashSet<string>(System.StringComparer.Ordinal) { "Linear", "Embedding" };

        private void RequireBatchOnly(int[] args, string op, bool handlesNamed, int origin)
        {
            if (handlesNamed) return;
            foreach (int arg in args)
            {
                Dim named = this[arg].Shape.Dims.FirstOrDefault(d => d.IsSymbolic && !d.IsBatch);
                if (named.IsSymbolic)
                    throw Fail(DiagnosticDescriptors.OperandShapeMismatch, origin, op,
                        "inputs whose only named dimension is the batch (named dimensions such as a sequence length reach elementwise operators, Linear, Sum, Mean and MseLoss so far)",
                        $"{this[arg].Shape} with the named dimension '{named.Symbol}' from {Describe(arg)}");
            }
        }

        private int[] TraceArgs(ExprSpec expr)
        {
            var args = new int[expr.Args.Count];
            for (int i = 0; i < args.Length; i++) args[i] = TraceExpr(expr.Args[i]);
            return args;
        }

        /// <summary>The node of parameter <paramref name="index"/>, made on first use so unused layers add nothing.</summary>
        public int ParamNode(int index, int origin)
        {
            if (_paramNodes.TryGetValue(index, out int id)) return id;
            ParameterInfo info = Builder.Parameters[index];
            id = Add(new Node(-1, OpKind.Param, EquatableArray<int>.Empty, info.Shape, origin) { Name = info.Name, Index = index, Layer = info.Layer });
            _paramNodes[index] = id;
            return id;
        }

        /// <summary>Fails unless the argument is a float tensor; class labels are Int32 once a loss took them.</summary>
        public void RequireFloat(int arg, string op, int origin)
        {
            if (this[arg].Type != ElementType.Float32)
                throw Fail(DiagnosticDescriptors.OperandShapeMismatch, origin, op, "a float tensor",
                    $"'{this[arg].Name}', which holds class indices (a loss takes it as labels)");
            if (this[arg].Op == OpKind.Label || this[arg].Op == OpKind.Input) _consumedLabels.Add(arg);
        }

        /// <summary>
        /// Makes a Forward input Int32 ids (token or class ids): it must be an input, and not used as floats before.
        /// </summary>
        public void MakeIndices(int arg, string op, int origin)
        {
            Node node = this[arg];
            if (node.Type == ElementType.Int32 && node.Op == OpKind.Input) return;
            if (node.Op != OpKind.Input || _consumedLabels.Contains(arg))
                throw Fail(DiagnosticDescriptors.OperandShapeMismatch, origin, op,
                    "Int32 ids: one of Forward's inputs, used only as ids",
                    node.Op == OpKind.Input ? $"input '{node.Name}', which is used as a float tensor before" : $"float values, {Describe(arg)}");
            Builder.Replace(arg, node with { Type = ElementType.Int32 });
        }

        /// <summary>Marks a loss parameter as integer class labels; it must not have been used as floats already.</summary>
        public void MakeClassLabels(int arg, string op, int origin)
        {
            Node node = this[arg];
            if (node.Op != OpKind.Label || _consumedLabels.Contains(arg))
                throw Fail(DiagnosticDescriptors.LossInputsMismatch, origin, op,
                    $"its labels must be a [Loss] parameter holding class indices, but receives {Describe(arg)}");
            Builder.Replace(arg, node with { Type = ElementType.Int32 });
        }

        /// <summary>
        /// Where a value came from, for messages: "fc1's output (line 9)", "input 'x' (line 5)". Looks through
        /// shape-preserving ops (Relu(fc1.Forward(x)) is still fc1's output) to the node that gave the value its shape.
        /// The line is a reference resolved when the diagnostic is reported, so the graph stays position-free.
        /// </summary>
        public string Describe(int id)
        {
            Node node = ShapeSource(id);
            string what;
            switch (node.Op)
            {
                case OpKind.Input: what = $"input '{node.Name}'"; break;
                case OpKind.Label: what = $"'{node.Name}'"; break;
                case OpKind.Param: what = $"parameter '{node.Name}'"; break;
                case OpKind.Const: what = "a constant"; break;
                default:
                    Operator op = OperatorTable.Of(node.Op);
                    what = (node.Layer.Length > 0 ? node.Layer : op.OpsMethod ?? op.Name) + "'s output";
                    break;
            }
            return what + SourceLine.Suffix(node.Origin);
        }

        /// <summary>Where one dimension of a value came from: "128 is fc1's output (line 9)".</summary>
        public string Explain(Dim dim, int id) => $"{dim} is {Describe(id)}";

        /// <summary>The node that gave <paramref name="id"/> its shape: a source, a layer, or an op that changed the shape.</summary>
        private Node ShapeSource(int id)
        {
            Node node = this[id];
            while (node.Op != OpKind.Input && node.Op != OpKind.Label && node.Op != OpKind.Param && node.Op != OpKind.Const
                   && node.Layer.Length == 0 && node.Inputs.Count > 0 && Equals(this[node.Inputs[0]].Shape, node.Shape))
                node = this[node.Inputs[0]];
            return node;
        }
    }
}
