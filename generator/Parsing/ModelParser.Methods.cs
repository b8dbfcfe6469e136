using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing
{
    /// <summary>Forward and [Loss] methods: signatures, [Shape] attributes and bodies.</summary>
    internal sealed partial class ModelParser
    {
        private const string SupportedStatements = "a traced body may declare locals ('var h = ...;'), reassign them and return a tensor";
        // The leftover MG0002 (expressions with no id of their own: member access, object creation, ...) says this instead.
        private const string SupportedExpressions = "use Ops calls (Relu(x), CrossEntropy(...)), layer calls (fc1.Forward(x)), tensor locals, numeric constants and + - * /";

        private MethodSpec? ParseMethod(IMethodSymbol method, bool isLoss, int forwardOutputs = 1)
        {
            _methodName = isLoss ? "loss" : "Forward";
            var syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellation) as MethodDeclarationSyntax;
            if (syntax == null) return null;
            int errorsBefore = _diagnostics.Count;
            _frame = new Frame(_root, "", _methodName);
            _model = SemanticModelOf(syntax);

            if (!IsTensor(method.ReturnType) && TensorTupleArity(method.ReturnType) < 2)
                Report(DiagnosticDescriptors.InvalidModel, syntax.ReturnType, method.ContainingType.Name,
                    isLoss ? $"{method.Name} must return a Tensor, or a tuple of the loss and scalar terms to report, such as '(Tensor Loss, Tensor Reconstruction, Tensor Kl)'"
                           : $"{method.Name} must return a Tensor or a tuple of Tensors, such as '(Tensor Logits, Tensor Embedding)'");
            if (method.IsStatic || method.IsGenericMethod)
                Report(DiagnosticDescriptors.InvalidModel, syntax.Identifier.GetLocation(), method.ContainingType.Name, $"{method.Name} must be a non-generic instance method");

            var parameters = new List<ParamSpec>();
            for (int i = 0; i < method.Parameters.Length; i++)
            {
                IParameterSymbol parameter = method.Parameters[i];
                var parameterSyntax = (ParameterSyntax)parameter.DeclaringSyntaxReferences[0].GetSyntax(_cancellation);
                if (isLoss && i == 0 && forwardOutputs > 1)
                {
                    // The loss receives Forward's whole tuple; its elements read as locals "output.Item1", ...
                    if (TensorTupleArity(parameter.Type) != forwardOutputs)
                        Report(DiagnosticDescriptors.InvalidModel, parameterSyntax, method.ContainingType.Name,
                            $"the [Loss] method's first parameter receives Forward's output, a tuple of {forwardOutputs} tensors; declare it with Forward's return type");
                    else
                        _frame.Tuples[parameter] = forwardOutputs;
                    parameters.Add(new ParamSpec(parameter.Name, false, EquatableArray<DimSpec>.Empty, Origin(parameterSyntax)) { TupleArity = forwardOutputs });
                    continue;
                }
                if (!IsTensor(parameter.Type) || parameter.RefKind != RefKind.None)
                {
                    Report(DiagnosticDescriptors.InvalidModel, parameterSyntax, method.ContainingType.Name,
                        $"parameter '{parameter.Name}' of {method.Name} must be a Tensor passed by value");
                    continue;
                }
                // The loss's first parameter receives Forward's output, whose shape is inferred.
                bool shapeInferred = isLoss && i == 0;
                parameters.Add(ParseParameter(parameter, parameterSyntax, method.Name, shapeInferred));
            }
            if (!isLoss && parameters.Count == 0 && _diagnostics.Count == errorsBefore)
                Report(DiagnosticDescriptors.InvalidModel, syntax.ParameterList, method.ContainingType.Name,
                    "Forward must take at least one tensor input, e.g. 'Forward([Shape(\"B\", 784)] Tensor x)'");
            if (isLoss && parameters.Count < 1 && _diagnostics.Count == errorsBefore)
                Report(DiagnosticDescriptors.InvalidModel, syntax.ParameterList, method.ContainingType.Name,
                    "the [Loss] method's first parameter receives Forward's output, e.g. 'Loss(Tensor logits, [Shape(\"B\")] Tensor labels)'");

            EquatableArray<StmtSpec> body = ParseBody(syntax);
            if (_diagnostics.Count != errorsBefore) return null;
            return new MethodSpec(method.Name, parameters.ToEquatableArray(), body, Origin(syntax.Identifier.GetLocation()));
        }

        private ParamSpec ParseParameter(IParameterSymbol parameter, ParameterSyntax syntax, string methodName, bool shapeInferred)
        {
            AttributeData? shape = parameter.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == ShapeAttributeName);
            int origin = Origin(syntax);
            if (shape == null)
            {
                if (!shapeInferred) Report(DiagnosticDescriptors.MissingShape, syntax.Identifier.GetLocation(), parameter.Name, methodName);
                return new ParamSpec(parameter.Name, false, EquatableArray<DimSpec>.Empty, origin);
            }
            SyntaxNode attributeSyntax = shape.ApplicationSyntaxReference?.GetSyntax(_cancellation) ?? syntax;
            var dims = new List<DimSpec>();
            TypedConstant argument = shape.ConstructorArguments.FirstOrDefault();
            // [Shape(null)] and a missing argument bind to a null or default array: no dimensions.
            IEnumerable<TypedConstant> values = argument.Kind == TypedConstantKind.Array
                ? (argument.IsNull || argument.Values.IsDefault ? Enumerable.Empty<TypedConstant>() : argument.Values)
                : new[] { argument };
            foreach (TypedConstant value in values)
            {
                if (value.Value is int size && size > 0) dims.Add(new DimSpec(size, null));
                else if (value.Value is string name && SyntaxFacts.IsValidIdentifier(name)) dims.Add(new DimSpec(0, name));
                else
                {
                    Report(DiagnosticDescriptors.InvalidShape, attributeSyntax, parameter.Name,
                        $"each dimension must be a positive int or a name such as \"B\", but got {(value.IsNull ? "null" : value.ToCSharpString())}");
                    return new ParamSpec(parameter.Name, false, EquatableArray<DimSpec>.Empty, origin);
                }
            }
            if (dims.Count == 0)
                Report(DiagnosticDescriptors.InvalidShape, attributeSyntax, parameter.Name, "a tensor needs at least one dimension");
            else if (dims.Where(d => d.Symbol != null).GroupBy(d => d.Symbol).FirstOrDefault(g => g.Count() > 1) is { } repeated)
                Report(DiagnosticDescriptors.InvalidShape, attributeSyntax, parameter.Name,
                    $"the dimension '{repeated.Key}' is named twice; each named dimension of a tensor is a different axis");
            return new ParamSpec(parameter.Name, true, dims.ToEquatableArray(), origin);
        }

        private EquatableArray<StmtSpec> ParseBody(MethodDeclarationSyntax syntax)
        {
            var statements = new List<StmtSpec>();
            _sink = statements;
            if (syntax.ExpressionBody != null)
            {
                ExprSpec? value = ParseExpr(syntax.ExpressionBody.Expression);
                if (value != null) statements.Add(new StmtSpec(StmtKind.Return, "", value, Origin(syntax.ExpressionBody.Expression)));
            }
            else if (syntax.Body != null)
            {
                foreach (StatementSyntax statement in syntax.Body.Statements) ParseStatement(statement, statements);
            }
            else
            {
                Report(DiagnosticDescriptors.UnsupportedConstruct, syntax.Identifier.GetLocation(), "A method without a body", _methodName, SupportedStatements);
            }
            return statements.ToEquatableArray();
        }

        /// <summary>Appends the statements <paramref name="statement"/> traces to (a constant-bound loop gives its body once per iteration).</summary>
        private void ParseStatement(StatementSyntax statement, List<StmtSpec> into)
        {
            _cancellation.ThrowIfCancellationRequested();
            // After an inlined return (one a build-time 'if' took), the rest of the body does not run for this call.
            if (_frame.HasReturned) return;
            switch (statement)
            {
                case BlockSyntax block:
                    foreach (StatementSyntax inner in block.Statements) ParseStatement(inner, into);
                    return;
                case LocalDeclarationStatementSyntax local when local.Declaration.Variables.Count == 1 && local.Declaration.Variables[0].Initializer != null
                                                                && local.UsingKeyword.IsKind(SyntaxKind.None):
                {
                    VariableDeclaratorSyntax variable = local.Declaration.Variables[0];
                    ExprSpec? value = ParseExpr(variable.Initializer!.Value);
                    if (value != null) Bind(_model.GetDeclaredSymbol(variable, _cancellation), variable.Identifier.ValueText, value, variable, into);
                    return;
                }
                case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { Left: DeclarationExpressionSyntax or TupleExpressionSyntax } deconstruction }:
                    Deconstruct(deconstruction, into);
                    return;
                case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment }:
                    ParseAssignment(assignment, into);
                    return;
                case ExpressionStatementSyntax { Expression: PostfixUnaryExpressionSyntax postfix } when IsState(postfix.Operand):
                    Report(DiagnosticDescriptors.AssignmentToState, postfix.Operand, DescribeTarget(postfix.Operand), _methodName);
                    return;
                case ExpressionStatementSyntax { Expression: PrefixUnaryExpressionSyntax prefix } when IsState(prefix.Operand):
                    Report(DiagnosticDescriptors.AssignmentToState, prefix.Operand, DescribeTarget(prefix.Operand), _methodName);
                    return;
                case ReturnStatementSyntax { Expression: { } returned }:
                {
                    ExprSpec? value = ParseExpr(returned);
                    if (value == null) return;
                    if (_frame.IsInlined) _frame.Return(value);
                    else into.Add(new StmtSpec(StmtKind.Return, "", value, Origin(returned)));
                    return;
                }
                case ForStatementSyntax loop:
                    Unroll(loop, into);
                    return;
                case ForEachStatementSyntax loop:
                    UnrollForEach(loop, into);
                    return;
                case WhileStatementSyntax _:
                case DoStatementSyntax _:
                    Report(DiagnosticDescriptors.LoopNotTraceable, statement, _methodName, "its condition is evaluated at run time");
                    return;
                case IfStatementSyntax branch when ConstantCondition(branch.Condition) is bool taken:
                    // A condition known at build time ('if (project)' on a readonly flag of a block) picks one branch.
                    if (taken) ParseStatement(branch.Statement, into);
                    else if (branch.Else != null) ParseStatement(branch.Else.Statement, into);
                    return;
                case IfStatementSyntax _:
                    Report(DiagnosticDescriptors.DataDependentBranch, statement, "An 'if' statement", _methodName);
                    return;
                case SwitchStatementSyntax _:
                    Report(DiagnosticDescriptors.DataDependentBranch, statement, "A 'switch' statement", _methodName);
                    return;
                default:
                    // try, using, lock, throw, local functions, yield, goto, discarded calls, ...
                    Report(DiagnosticDescriptors.UnsupportedStatement, statement, Describe(statement), _methodName);
                    return;
            }
        }

        /// <summary><c>t = e;</c> and <c>t += e;</c> (and -= *= /=) to a local or parameter; anything else is state or unsupported.</summary>
        private void ParseAssignment(AssignmentExpressionSyntax assignment, List<StmtSpec> into)
        {
            if (IsState(assignment.Left))
            {
                Report(DiagnosticDescriptors.AssignmentToState, assignment.Left, DescribeTarget(assignment.Left), _methodName);
                return;
            }
            if (!(assignment.Left is IdentifierNameSyntax target) || !(_model.GetSymbolInfo(target, _cancellation).Symbol is ILocalSymbol or IParameterSymbol)
                || !(assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) || CompoundOperator(assignment.Kind()) != null))
            {
                Report(DiagnosticDescriptors.UnsupportedStatement, assignment, Describe(assignment), _methodName);
                return;
            }
            string? op = CompoundOperator(assignment.Kind());
            ExprSpec? value = op == null ? ParseExpr(assignment.Right) : Node(ExprKind.Binary, op, assignment, assignment.Left, assignment.Right);
            if (value != null) Bind(_model.GetSymbolInfo(target, _cancellation).Symbol, target.Identifier.ValueText, value, assignment, into, StmtKind.Assign);
        }

        private static string? CompoundOperator(SyntaxKind kind)
        {
            switch (kind)
            {
                case SyntaxKind.AddAssignmentExpression: return "+";
                case SyntaxKind.SubtractAssignmentExpression: return "-";
                case SyntaxKind.MultiplyAssignmentExpression: return "*";
                case SyntaxKind.DivideAssignmentExpression: return "/";
                default: return null;
            }
        }

        /// <summary>A field, property or element of the model or of a layer: state a traced method must not write.</summary>
        private bool IsState(ExpressionSyntax target)
            => target is ElementAccessExpressionSyntax
            || _model.GetSymbolInfo(target, _cancellation).Symbol is IFieldSymbol or IPropertySymbol or IEventSymbol;

        private string DescribeTarget(ExpressionSyntax target)
        {
            switch (_model.GetSymbolInfo(target, _cancellation).Symbol)
            {
                case IFieldSymbol _: return $"the field '{target}'";
                case IPropertySymbol _: return $"the property '{target}'";
                default: return $"'{target}'";
            }
        }

        private ExprSpec? ParseExpr(ExpressionSyntax expression)
        {
            _cancellation.ThrowIfCancellationRequested();
            Optional<object?> constant = _model.GetConstantValue(expression, _cancellation);
            // A bool constant can only be a call's argument (Gelu(x, true)); it traces as a constant 0 or 1.
            if (constant.HasValue && TryNumber(constant.Value, out double number))
                return Leaf(ExprKind.Constant, "", number, expression);
            // Numbers known at build time: loop counters, helper arguments, block fields set from constructor arguments.
            if (_model.GetTypeInfo(expression, _cancellation).Type is { } valueType && IsScalarConstantType(valueType)
                && TryEvaluate(_model.GetOperation(expression, _cancellation), _frame.Constants, _frame.Instance, out double known))
                return Leaf(ExprKind.Constant, "", known, expression);

            switch (expression)
            {
                case ParenthesizedExpressionSyntax parenthesized:
                    return ParseExpr(parenthesized.Expression);
                case IdentifierNameSyntax identifier:
                    return ParseName(identifier, _model.GetSymbolInfo(identifier, _cancellation).Symbol, identifier.Identifier.ValueText);
                case MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax _ } member:
                    return ParseName(member, _model.GetSymbolInfo(member, _cancellation).Symbol, member.Name.Identifier.ValueText);
                case MemberAccessExpressionSyntax member when _model.GetSymbolInfo(member, _cancellation).Symbol is IFieldSymbol { ContainingType: { IsTupleType: true } } element:
                    return TupleElement(member, element);
                case TupleExpressionSyntax tuple:
                {
                    var elements = new List<ExprSpec>();
                    foreach (ArgumentSyntax argument in tuple.Arguments)
                    {
                        ExprSpec? value = ParseTensor(argument.Expression);
                        if (value == null) return null;
                        elements.Add(value);
                    }
                    return new ExprSpec(ExprKind.Tuple, "", 0, elements.ToEquatableArray(), Origin(tuple)) { CallContext = _frame.CallContextText };
                }
                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression):
                    return Node(ExprKind.Negate, "-", expression, unary.Operand);
                case PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryPlusExpression):
                    return ParseExpr(unary.Operand);
                case BinaryExpressionSyntax binary when IsArithmetic(binary.Kind()):
                    return Node(ExprKind.Binary, binary.OperatorToken.ValueText, expression, binary.Left, binary.Right);
                case InvocationExpressionSyntax invocation:
                    return ParseInvocation(invocation);
                case ConditionalExpressionSyntax conditional when ConstantCondition(conditional.Condition) is bool chosen:
                    return ParseExpr(chosen ? conditional.WhenTrue : conditional.WhenFalse);
                case ConditionalExpressionSyntax _:
                case SwitchExpressionSyntax _:
                case BinaryExpressionSyntax coalesce when coalesce.IsKind(SyntaxKind.CoalesceExpression):
                case ConditionalAccessExpressionSyntax _:
                    Report(DiagnosticDescriptors.DataDependentBranch, expression, Describe(expression), _methodName);
                    return null;
                case AnonymousFunctionExpressionSyntax _:
                case AwaitExpressionSyntax _:
                case QueryExpressionSyntax _:
                case ThrowExpressionSyntax _:
                    Report(DiagnosticDescriptors.UnsupportedStatement, expression, Describe(expression), _methodName);
                    return null;
                case AssignmentExpressionSyntax assignment when IsState(assignment.Left):
                    Report(DiagnosticDescriptors.AssignmentToState, assignment.Left, DescribeTarget(assignment.Left), _methodName);
                    return null;
                default:
                    return Unsupported(expression, Describe(expression), SupportedExpressions);
            }
        }

        /// <summary>A condition's value when it is known at build time, else null.</summary>
        private bool? ConstantCondition(ExpressionSyntax condition)
            => TryEvaluate(_model.GetOperation(condition, _cancellation), _frame.Constants, _frame.Instance, out double value) ? value != 0 : (bool?)null;

        private ExprSpec? ParseInvocation(InvocationExpressionSyntax invocation)
        {
            if (!(_model.GetOperation(invocation, _cancellation) is IInvocationOperation operation))
                return UnknownCall(invocation, invocation.Expression.ToString(), "it does not bind to one method");
            IMethodSymbol method = operation.TargetMethod;
            // By parameter position; a params array contributes its elements, one argument each (Permute(x, 0, 2, 1)).
            // An omitted optional argument becomes a constant of its default value: its syntax is the call itself,
            // so parsing that would recurse.
            var arguments = new List<ExpressionSyntax?>();
            var defaults = new List<double>();
            foreach (IArgumentOperation argument in operation.Arguments.OrderBy(a => a.Parameter?.Ordinal ?? int.MaxValue))
            {
                if (argument.ArgumentKind == ArgumentKind.ParamArray && argument.Value is IArrayCreationOperation array)
                {
                    foreach (IOperation element in array.Initializer?.ElementValues ?? System.Collections.Immutable.ImmutableArray<IOperation>.Empty)
                        if (element.Syntax is ExpressionSyntax elementSyntax) { arguments.Add(elementSyntax); defaults.Add(0); }
                }
                else if (argument.ArgumentKind == ArgumentKind.DefaultValue)
                {
                    if (!argument.Value.ConstantValue.HasValue || !TryNumber(argument.Value.ConstantValue.Value, out double value))
                        return Unsupported(invocation, $"The call '{invocation.Expression}'", $"the default of '{argument.Parameter?.Name}' is not a number; pass it explicitly");
                    arguments.Add(null);
                    defaults.Add(value);
                }
                else if (argument.Value.Syntax is ExpressionSyntax syntax)
                {
                    arguments.Add(syntax);
                    defaults.Add(0);
                }
            }

            if (method.ContainingType?.ToDisplayString() == "ModelGen.Ops")
                return Node(ExprKind.OpsCall, method.Name, invocation, arguments, defaults);
            return ParseCall(invocation, operation, arguments, defaults);
        }

        private ExprSpec? UnknownCall(InvocationExpressionSyntax invocation, string callee, string why)
        {
            Report(DiagnosticDescriptors.UnknownCall, invocation, callee, _methodName, why);
            return null;
        }

        private static bool IsArithmetic(SyntaxKind kind)
            => kind == SyntaxKind.AddExpression || kind == SyntaxKind.SubtractExpression
            || kind == SyntaxKind.MultiplyExpression || kind == SyntaxKind.DivideExpression;

        private ExprSpec Leaf(ExprKind kind, string name, double value, SyntaxNode syntax)
            => new ExprSpec(kind, name, value, EquatableArray<ExprSpec>.Empty, Origin(syntax)) { CallContext = _frame.CallContextText };

        /// <summary>
        /// A call's node. A null operand is an omitted optional argument: the constant at the same position of
        /// <paramref name="defaults"/>, located at the call.
        /// </summary>
        private ExprSpec? Node(ExprKind kind, string name, SyntaxNode syntax, List<ExpressionSyntax?> operands, List<double> defaults)
        {
            var args = new List<ExprSpec>();
            bool failed = false;
            for (int i = 0; i < operands.Count; i++)
            {
                ExprSpec? parsed = operands[i] is { } operand ? ParseTensor(operand) : Leaf(ExprKind.Constant, "", defaults[i], syntax);
                if (parsed == null) failed = true;
                else args.Add(parsed);
            }
            return failed ? null : new ExprSpec(kind, name, 0, args.ToEquatableArray(), Origin(syntax)) { CallContext = _frame.CallContextText };
        }

        private ExprSpec? Node(ExprKind kind, string name, SyntaxNode syntax, params ExpressionSyntax[] operands)
            => Node(kind, name, syntax, new List<ExpressionSyntax?>(operands), operands.Select(_ => 0.0).ToList());

        private ExprSpec? Unsupported(SyntaxNode syntax, string what, string instead)
        {
            Report(DiagnosticDescriptors.UnsupportedConstruct, syntax, what, _methodName, instead);
            return null;
        }

        /// <summary>A readable name of a syntax kind: "ConditionalExpression" becomes "A conditional expression".</summary>
        private static string Describe(SyntaxNode node)
        {
            string kind = node.Kind().ToString();
            var words = new System.Text.StringBuilder();
            for (int i = 0; i < kind.Length; i++)
            {
                if (i > 0 && char.IsUpper(kind[i])) words.Append(' ');
                words.Append(i == 0 ? kind[i] : char.ToLowerInvariant(kind[i]));
            }
            string text = words.ToString();
            return ("AEIOU".IndexOf(text[0]) >= 0 ? "An " : "A ") + char.ToLowerInvariant(text[0]) + text.Substring(1);
        }
    }
}
