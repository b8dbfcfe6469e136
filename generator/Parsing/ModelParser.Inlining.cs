using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing
{
    /// <summary>
    /// Composition: calls to a block's Forward, to helper methods and to layers inside blocks are inlined into one
    /// flat body while parsing. Each inlined call gets a frame: the object it runs on, a prefix that keeps its locals
    /// apart ("blocks.0#3/h"), the numbers bound at the call, and where it was called from, for diagnostics.
    /// Tuples (several outputs) are kept element by element: a tuple local <c>o</c> is the locals "o.Item1", ....
    /// </summary>
    internal sealed partial class ModelParser
    {
        /// <summary>Inlined calls deeper than this are almost surely unbounded recursion through several methods.</summary>
        private const int MaxInlineDepth = 32;

        private Frame _frame = new Frame(null, "", "Forward");
        private List<StmtSpec> _sink = new List<StmtSpec>();
        private readonly Stack<string> _inlining = new Stack<string>();
        private int _inlineCount;

        /// <summary>One method being parsed: the top-level Forward or loss, or an inlined block or helper call.</summary>
        private sealed class Frame
        {
            public Frame(ModuleInstance? instance, string prefix, string label, IEnumerable<string>? chain = null)
            {
                Instance = instance;
                Prefix = prefix;
                Label = label;
                Chain = chain?.ToList() ?? new List<string>();
                CallContextText = Chain.Count == 0 ? "" : " (called from " + string.Join(", from ", Chain) + ")";
            }

            /// <summary>The object whose fields the method reads (null in a static helper).</summary>
            public ModuleInstance? Instance { get; }

            /// <summary>Prepended to the method's locals in the flat body; "" for the top-level method.</summary>
            public string Prefix { get; }

            /// <summary>"Forward", "loss" or "BasicBlock.Forward": how messages name the method.</summary>
            public string Label { get; }

            /// <summary>The calls that led here, innermost first: "Forward, line N".</summary>
            public List<string> Chain { get; }

            public string CallContextText { get; }

            public bool IsInlined => Prefix.Length > 0;

            public Dictionary<ISymbol, double> Constants { get; } = new Dictionary<ISymbol, double>(SymbolEqualityComparer.Default);

            /// <summary>Locals and parameters that name a layer or block: foreach variables, block arguments of helpers.</summary>
            public Dictionary<ISymbol, Member> Members { get; } = new Dictionary<ISymbol, Member>(SymbolEqualityComparer.Default);

            /// <summary>Tuple locals and parameters, by element count.</summary>
            public Dictionary<ISymbol, int> Tuples { get; } = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);

            public ExprSpec? Returned { get; private set; }

            public bool HasReturned { get; private set; }

            public void Return(ExprSpec value)
            {
                Returned = value;
                HasReturned = true;
            }
        }

        /// <summary>The number of tensors in a tuple type of tensors, or 0.</summary>
        private static int TensorTupleArity(ITypeSymbol type)
            => type is INamedTypeSymbol { IsTupleType: true } tuple && tuple.TupleElements.All(e => IsTensor(e.Type)) ? tuple.TupleElements.Length : 0;

        /// <summary>The element names of Forward's tuple ("" where unnamed); empty for a single tensor.</summary>
        private static EquatableArray<string> OutputNamesOf(ITypeSymbol type)
            => TensorTupleArity(type) == 0
                ? EquatableArray<string>.Empty
                : ((INamedTypeSymbol)type).TupleElements.Select(e => e.IsExplicitlyNamedTupleElement ? e.Name : "").ToEquatableArray();

        /// <summary>A tensor operand: anything but a tuple, which must be taken apart first.</summary>
        private ExprSpec? ParseTensor(ExpressionSyntax expression)
        {
            ExprSpec? value = ParseExpr(expression);
            if (value?.Kind != ExprKind.Tuple) return value;
            return Unsupported(expression, "A tuple used as a tensor", "take one element, e.g. 'out.Item1', or deconstruct it: 'var (a, b) = ...;'");
        }

        /// <summary>A name in a traced body: a local, a parameter, a bound constant, or a field of the object the method runs on.</summary>
        private ExprSpec? ParseName(ExpressionSyntax syntax, ISymbol? symbol, string name)
        {
            if (symbol is ILocalSymbol || symbol is IParameterSymbol)
            {
                if (_frame.Tuples.TryGetValue(symbol, out int arity)) return TupleOfLocals(_frame.Prefix + name, arity, syntax);
                if (_frame.Members.ContainsKey(symbol)) return Unsupported(syntax, $"The layer '{name}' used as a value", $"call it: {name}.Forward(x)");
                return Leaf(ExprKind.Local, _frame.Prefix + name, 0, syntax);
            }
            if (symbol is IFieldSymbol field && _frame.Instance != null && _frame.Instance.Members.TryGetValue(field.Name, out Member? member) && !(member is ConstantMember))
                return Unsupported(syntax, $"The layer '{field.Name}' used as a value", $"call it: {field.Name}.Forward(x)");
            if (symbol is IFieldSymbol scalar && IsScalarConstantType(scalar.Type))
                return Unsupported(syntax, $"The field '{scalar.Name}'", "its value is not known at build time; make it readonly and set it from constants (in its initializer or the constructor), or make it a const");
            return Unsupported(syntax, $"The name '{name}'", "only tensor parameters and locals of the traced method can be used");
        }

        private ExprSpec TupleOfLocals(string name, int arity, SyntaxNode syntax)
            => new ExprSpec(ExprKind.Tuple, "", 0, Enumerable.Range(1, arity).Select(i => Leaf(ExprKind.Local, name + ".Item" + Format.Int(i), 0, syntax)).ToEquatableArray(), Origin(syntax));

        /// <summary><c>out.Logits</c> or <c>out.Item2</c>: one element of a tuple value.</summary>
        private ExprSpec? TupleElement(MemberAccessExpressionSyntax member, IFieldSymbol element)
        {
            string item = (element.CorrespondingTupleField ?? element).Name;
            if (!item.StartsWith("Item", System.StringComparison.Ordinal) || !int.TryParse(item.Substring(4), out int index))
                return Unsupported(member, $"The tuple element '{member.Name}'", "it is not an element of a tuple of tensors");
            ExprSpec? tuple = ParseExpr(member.Expression);
            if (tuple == null) return null;
            if (tuple.Kind != ExprKind.Tuple || index < 1 || index > tuple.Args.Count)
                return Unsupported(member, $"The tuple element '{member}'", "only the elements of a tuple of tensors can be read");
            return tuple.Args[index - 1];
        }

        /// <summary>
        /// <c>var t = value;</c> or <c>t = value;</c>: a tensor local, or a tuple local bound element by element.
        /// </summary>
        private void Bind(ISymbol? symbol, string name, ExprSpec value, SyntaxNode syntax, List<StmtSpec> into, StmtKind kind = StmtKind.Declare)
        {
            if (value.Kind != ExprKind.Tuple)
            {
                into.Add(new StmtSpec(kind, _frame.Prefix + name, value, Origin(syntax)));
                return;
            }
            if (symbol != null) _frame.Tuples[symbol] = value.Args.Count;
            for (int i = 0; i < value.Args.Count; i++)
                into.Add(new StmtSpec(StmtKind.Declare, _frame.Prefix + name + ".Item" + Format.Int(i + 1), value.Args[i], Origin(syntax)));
        }

        /// <summary><c>var (a, b) = value;</c> and <c>(a, b) = value;</c> over a tuple of tensors.</summary>
        private void Deconstruct(AssignmentExpressionSyntax assignment, List<StmtSpec> into)
        {
            ExprSpec? value = ParseExpr(assignment.Right);
            if (value == null) return;
            var targets = new List<(SyntaxNode Syntax, ISymbol? Symbol, string Name)?>();
            switch (assignment.Left)
            {
                case DeclarationExpressionSyntax { Designation: ParenthesizedVariableDesignationSyntax designation }:
                    foreach (VariableDesignationSyntax variable in designation.Variables)
                        targets.Add(variable is SingleVariableDesignationSyntax single
                            ? (single, _model.GetDeclaredSymbol(single, _cancellation), single.Identifier.ValueText)
                            : ((SyntaxNode, ISymbol?, string)?)null);
                    break;
                case TupleExpressionSyntax tuple:
                    foreach (ArgumentSyntax argument in tuple.Arguments)
                    {
                        switch (argument.Expression)
                        {
                            case DeclarationExpressionSyntax { Designation: SingleVariableDesignationSyntax single }:
                                targets.Add((single, _model.GetDeclaredSymbol(single, _cancellation), single.Identifier.ValueText));
                                break;
                            case IdentifierNameSyntax identifier when _model.GetSymbolInfo(identifier, _cancellation).Symbol is ILocalSymbol or IParameterSymbol:
                                targets.Add((identifier, _model.GetSymbolInfo(identifier, _cancellation).Symbol, identifier.Identifier.ValueText));
                                break;
                            default:
                                targets.Add(null); // a discard
                                break;
                        }
                    }
                    break;
                default:
                    Report(DiagnosticDescriptors.UnsupportedStatement, assignment, Describe(assignment), _methodName);
                    return;
            }
            if (value.Kind != ExprKind.Tuple || value.Args.Count != targets.Count)
            {
                Unsupported(assignment, "This deconstruction", $"the right side must be a tuple of {targets.Count} tensors");
                return;
            }
            for (int i = 0; i < targets.Count; i++)
            {
                if (targets[i] is { } target) Bind(target.Symbol, target.Name, value.Args[i], target.Syntax, into);
            }
        }

        /// <summary><c>foreach (var block in blocks)</c> over a layer list: the body once per element, the variable naming it.</summary>
        private void UnrollForEach(ForEachStatementSyntax loop, List<StmtSpec> into)
        {
            var operation = _model.GetOperation(loop, _cancellation) as IForEachLoopOperation;
            ILocalSymbol? variable = operation?.Locals.FirstOrDefault();
            if (!(ResolveMember(operation?.Collection, _frame.Instance, _frame) is ListMember list) || variable == null)
            {
                Report(DiagnosticDescriptors.LoopNotTraceable, loop, _methodName,
                    "a 'foreach' loop is unrolled only over a layer list field (an array of layers or blocks, such as 'foreach (var block in blocks)')");
                return;
            }
            int errorsBefore = _diagnostics.Count;
            foreach (Member element in list.Elements)
            {
                if (_diagnostics.Count != errorsBefore) break;
                _frame.Members[variable] = element;
                ParseStatement(loop.Statement, into);
            }
            _frame.Members.Remove(variable);
        }

        /// <summary>
        /// What an expression names in the object tree: a field of the current object (or of a block reached from it),
        /// an element of a layer list at an index known at build time, or a local or parameter bound to one.
        /// </summary>
        private Member? ResolveMember(IOperation? operation, ModuleInstance? self, Frame? frame)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    return ResolveMember(conversion.Operand, self, frame);
                case IInstanceReferenceOperation _:
                    return self == null ? null : new ModuleMember(self);
                case IFieldReferenceOperation field:
                {
                    ModuleInstance? owner = field.Instance == null || field.Instance is IInstanceReferenceOperation
                        ? self
                        : (ResolveMember(field.Instance, self, frame) as ModuleMember)?.Instance;
                    return owner != null && owner.Members.TryGetValue(field.Field.Name, out Member? member) ? member : null;
                }
                case IArrayElementReferenceOperation element when element.Indices.Length == 1:
                {
                    if (!(ResolveMember(element.ArrayReference, self, frame) is ListMember list)) return null;
                    var bound = frame?.Constants ?? new Dictionary<ISymbol, double>(SymbolEqualityComparer.Default);
                    if (!TryEvaluate(element.Indices[0], bound, self, out double index) || index < 0 || index >= list.Elements.Count || index != System.Math.Floor(index))
                        return null;
                    return list.Elements[(int)index];
                }
                case ILocalReferenceOperation local when frame != null:
                    return frame.Members.TryGetValue(local.Local, out Member? bound1) ? bound1 : null;
                case IParameterReferenceOperation parameter when frame != null:
                    return frame.Members.TryGetValue(parameter.Parameter, out Member? bound2) ? bound2 : null;
                default:
                    return null;
            }
        }

        /// <summary>A call that is not an Ops call: a layer's Forward, a block's method, or a helper method, inlined.</summary>
        private ExprSpec? ParseCall(InvocationExpressionSyntax invocation, IInvocationOperation operation, List<ExpressionSyntax?> arguments, List<double> defaults)
        {
            IMethodSymbol method = operation.TargetMethod;
            Member? receiver = operation.Instance == null ? null : ResolveMember(operation.Instance, _frame.Instance, _frame);
            if (receiver is LayerMember layer && method.Name == "Forward")
                return Node(ExprKind.LayerCall, layer.Spec.Name, invocation, arguments, defaults);
            if (receiver is ModuleMember module)
                return Inline(method, module.Instance, operation, invocation);
            if (operation.Instance == null && method.IsStatic && method.DeclaringSyntaxReferences.Length > 0 && !IsInModelGen(method))
                return Inline(method, null, operation, invocation);
            if (operation.Instance is IFieldReferenceOperation failed && _frame.Instance != null && _failedFields.Contains(_frame.Instance.PathOf(failed.Field.Name)))
                return null; // the field's declaration is reported already
            if (method.Name == "Forward" && operation.Instance is IFieldReferenceOperation unknownLayer)
                return UnknownCall(invocation, invocation.Expression.ToString(),
                    $"'{unknownLayer.Field.Name}' is not a layer field of the model (a field of a ModelGen layer type such as Linear)");
            if (operation.Instance is IArrayElementReferenceOperation && method.Name == "Forward")
                return UnknownCall(invocation, invocation.Expression.ToString(), "the index must be known at build time and within the list");
            return UnknownCall(invocation, $"{method.ContainingType?.Name}.{method.Name}",
                "the generator must know the shape and gradient of every operation it traces");
        }

        private static bool IsInModelGen(IMethodSymbol method)
            => method.ContainingNamespace?.ToDisplayString() is "ModelGen" or "System" || method.ContainingNamespace?.ToDisplayString().StartsWith("System.", System.StringComparison.Ordinal) == true;

        /// <summary>
        /// Inlines a call: binds each tensor argument to a local of the callee's frame, each number to a constant and
        /// each layer or block argument to its member, parses the callee's body in that frame into the current flat
        /// body, and returns the value the callee returns (a tuple for several values).
        /// </summary>
        private ExprSpec? Inline(IMethodSymbol method, ModuleInstance? instance, IInvocationOperation call, InvocationExpressionSyntax syntax)
        {
            var declaration = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellation) as MethodDeclarationSyntax;
            if (declaration == null || (declaration.Body == null && declaration.ExpressionBody == null) || method.IsGenericMethod)
                return UnknownCall(syntax, syntax.Expression.ToString(), "it has no body in this compilation that the tracer can inline (a non-generic method of a [Model] or [Module] class, or a static helper)");
            string label = (instance?.Path.Length > 0 ? instance.Path : method.ContainingType.Name) + "." + method.Name;
            string key = method.ToDisplayString() + "@" + (instance?.Path ?? "static");
            if (_inlining.Contains(key) || _inlining.Count >= MaxInlineDepth)
            {
                Report(DiagnosticDescriptors.RecursiveModel, syntax, $"The call to '{syntax.Expression}'",
                    _inlining.Contains(key)
                        ? $"{label} calls itself, directly or through other methods; calls are inlined at build time, so recursion has no end (unroll it with a constant-bound loop)"
                        : $"calls nest more than {MaxInlineDepth} deep");
                return null;
            }
            string caller = _frame.Label + ", line " + SourceLine.Of(Origin(syntax));
            var callee = new Frame(instance, label + "#" + Format.Int(++_inlineCount) + "/", method.ContainingType.Name + "." + method.Name,
                new[] { caller }.Concat(_frame.Chain));
            foreach (IArgumentOperation argument in call.Arguments.Where(a => a.Parameter != null).OrderBy(a => a.Parameter!.Ordinal))
            {
                if (!BindArgument(argument, callee, syntax)) return null;
            }

            Frame outer = _frame;
            SemanticModel outerModel = _model;
            string outerName = _methodName;
            int errorsBefore = _diagnostics.Count;
            _frame = callee;
            _model = SemanticModelOf(declaration);
            _methodName = callee.Label;
            _inlining.Push(key);
            try
            {
                if (declaration.ExpressionBody != null)
                {
                    if (ParseExpr(declaration.ExpressionBody.Expression) is { } value) callee.Return(value);
                }
                else
                {
                    foreach (StatementSyntax statement in declaration.Body!.Statements) ParseStatement(statement, _sink);
                }
            }
            finally
            {
                _inlining.Pop();
                _frame = outer;
                _model = outerModel;
                _methodName = outerName;
            }
            if (_diagnostics.Count != errorsBefore) return null;
            if (callee.Returned == null)
                return UnknownCall(syntax, syntax.Expression.ToString(), "it does not end by returning a tensor (or a tuple of tensors)");
            return callee.Returned;
        }

        /// <summary>Binds one argument of an inlined call in the callee's frame; false (reported) when it cannot be traced.</summary>
        private bool BindArgument(IArgumentOperation argument, Frame callee, InvocationExpressionSyntax call)
        {
            IParameterSymbol parameter = argument.Parameter!;
            bool isDefault = argument.ArgumentKind == ArgumentKind.DefaultValue;
            if (IsTensor(parameter.Type) || TensorTupleArity(parameter.Type) > 0)
            {
                if (isDefault || !(argument.Value.Syntax is ExpressionSyntax expression))
                {
                    UnknownCall(call, call.Expression.ToString(), $"its tensor parameter '{parameter.Name}' needs an argument");
                    return false;
                }
                ExprSpec? value = ParseExpr(expression);
                if (value == null) return false;
                int arity = TensorTupleArity(parameter.Type);
                if ((value.Kind == ExprKind.Tuple) != (arity > 0) || (arity > 0 && value.Args.Count != arity))
                {
                    Unsupported(expression, $"The argument for '{parameter.Name}'", arity > 0 ? $"it must be a tuple of {arity} tensors" : "it must be a tensor, not a tuple");
                    return false;
                }
                if (arity > 0) callee.Tuples[parameter] = arity;
                for (int i = 0; i < (arity > 0 ? arity : 1); i++)
                {
                    string name = callee.Prefix + parameter.Name + (arity > 0 ? ".Item" + Format.Int(i + 1) : "");
                    _sink.Add(new StmtSpec(StmtKind.Declare, name, arity > 0 ? value.Args[i] : value, value.Origin));
                }
                return true;
            }
            if (IsScalarConstantType(parameter.Type))
            {
                if (!TryEvaluate(argument.Value, _frame.Constants, _frame.Instance, out double number))
                {
                    Unsupported(argument.Value.Syntax, $"The argument for '{parameter.Name}'", "numbers passed to a traced helper must be known at build time");
                    return false;
                }
                callee.Constants[parameter] = number;
                return true;
            }
            if (HoldsParameters(parameter.Type) && ResolveMember(argument.Value, _frame.Instance, _frame) is { } member)
            {
                callee.Members[parameter] = member;
                return true;
            }
            Unsupported(argument.Value.Syntax, $"The argument for '{parameter.Name}'",
                "a traced helper takes tensors, tuples of tensors, numbers known at build time, and layers or blocks of the model");
            return false;
        }
    }
}
