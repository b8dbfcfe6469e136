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
    /// The model's object tree, built at build time: each field that holds a layer, a [Module] block or an array of
    /// either is followed through its initializer or the constructor's assignments, with constructor arguments
    /// evaluated as constants, so every layer inside every block gets its dotted name and its constant arguments.
    /// </summary>
    internal sealed partial class ModelParser
    {
        public const string ModuleAttributeName = "ModelGen.ModuleAttribute";

        /// <summary>Blocks nested deeper than this are almost surely a type that contains itself.</summary>
        private const int MaxModuleDepth = 16;

        /// <summary>Fields whose value could not be built, already reported: not reported again as never assigned.</summary>
        private readonly HashSet<string> _failedFields = new HashSet<string>(System.StringComparer.Ordinal);

        /// <summary>Builds the object <paramref name="type"/> that <paramref name="constructor"/> makes from <paramref name="arguments"/>.</summary>
        private ModuleInstance Instantiate(string path, INamedTypeSymbol type, IMethodSymbol? constructor, Dictionary<ISymbol, double> arguments, int depth)
        {
            var instance = new ModuleInstance(path, type);
            if (depth > MaxModuleDepth)
            {
                Report(DiagnosticDescriptors.RecursiveModel, LocationOf(type), type.Name,
                    $"blocks nest more than {MaxModuleDepth} deep at '{path}'; a block cannot contain itself");
                return instance;
            }
            RunConstructor(instance, constructor, arguments, depth);
            foreach (IFieldSymbol field in HeldFields(type))
            {
                instance.Members.TryGetValue(field.Name, out Member? member);
                if (_failedFields.Contains(instance.PathOf(field.Name))) continue; // reported where it failed
                if (member == null && field.NullableAnnotation == NullableAnnotation.Annotated) continue; // an optional layer left null
                if (member != null && !(member is ListMember list && list.Elements.Any(e => e == null))) continue;
                Report(DiagnosticDescriptors.InvalidLayer, LocationOf(field), instance.PathOf(field.Name),
                    member == null
                        ? "it is never assigned at build time: give it an initializer ('= new(...)') or assign it in the constructor, outside any branch"
                        : "some of its elements are never assigned at build time: fill every index in a constant-bound loop");
                instance.Members.Remove(field.Name);
            }
            return instance;
        }

        /// <summary>Fields of <paramref name="type"/> that hold layers, blocks or arrays of them, in declaration order.</summary>
        private static IEnumerable<IFieldSymbol> HeldFields(INamedTypeSymbol type)
            => type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsImplicitlyDeclared && HoldsParameters(f.Type));

        private static bool HoldsParameters(ITypeSymbol type)
            => IsLayerType(type) || IsModuleType(type)
            || (type is IArrayTypeSymbol { Rank: 1 } array && (IsLayerType(array.ElementType) || IsModuleType(array.ElementType)));

        private static bool IsModuleType(ITypeSymbol type) => HasAttribute(type, ModuleAttributeName);

        /// <summary>Runs a constructor at build time: its <c>this(...)</c> chain, the field initializers, then its body's assignments.</summary>
        private void RunConstructor(ModuleInstance instance, IMethodSymbol? constructor, Dictionary<ISymbol, double> arguments, int depth)
        {
            var syntax = constructor?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellation) as ConstructorDeclarationSyntax;
            if (syntax?.Initializer is { } chained && chained.ThisOrBaseKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.ThisKeyword))
            {
                SemanticModel model = SemanticModelOf(syntax);
                if (model.GetOperation(chained, _cancellation) is IInvocationOperation call)
                {
                    var chainedArguments = BindArguments(call.Arguments, arguments, instance, instance.Path.Length == 0 ? instance.Type.Name : instance.Path);
                    if (chainedArguments == null) return;
                    RunConstructor(instance, call.TargetMethod, chainedArguments, depth);
                }
            }
            else
            {
                RunFieldInitializers(instance, arguments, depth);
            }
            if (syntax == null) return;
            SemanticModel bodyModel = SemanticModelOf(syntax);
            IEnumerable<StatementSyntax> statements = syntax.Body?.Statements ?? Enumerable.Empty<StatementSyntax>();
            if (syntax.ExpressionBody != null) AssignFromConstructor(instance, bodyModel.GetOperation(syntax.ExpressionBody.Expression, _cancellation), arguments, depth);
            foreach (StatementSyntax statement in statements) RunConstructorStatement(instance, bodyModel, statement, arguments, depth);
        }

        private void RunFieldInitializers(ModuleInstance instance, Dictionary<ISymbol, double> arguments, int depth)
        {
            foreach (IFieldSymbol field in instance.Type.GetMembers().OfType<IFieldSymbol>())
            {
                if (field.IsStatic || field.IsImplicitlyDeclared || !(HoldsParameters(field.Type) || IsScalarConstantType(field.Type))) continue;
                var declarator = field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellation) as VariableDeclaratorSyntax;
                if (declarator?.Initializer == null) continue;
                IOperation? value = SemanticModelOf(declarator).GetOperation(declarator.Initializer.Value, _cancellation);
                Assign(instance, field, value, declarator, arguments, depth);
            }
        }

        /// <summary>Follows the statements of a constructor body that assign fields; a constant-bound 'for' is unrolled.</summary>
        private void RunConstructorStatement(ModuleInstance instance, SemanticModel model, StatementSyntax statement, Dictionary<ISymbol, double> bound, int depth)
        {
            switch (statement)
            {
                case BlockSyntax block:
                    foreach (StatementSyntax inner in block.Statements) RunConstructorStatement(instance, model, inner, bound, depth);
                    return;
                case ExpressionStatementSyntax expression:
                    AssignFromConstructor(instance, model.GetOperation(expression.Expression, _cancellation), bound, depth);
                    return;
                case ForStatementSyntax loop when loop.Declaration?.Variables.Count == 1 && loop.Condition != null:
                {
                    var counter = model.GetDeclaredSymbol(loop.Declaration.Variables[0], _cancellation);
                    IOperation? start = loop.Declaration.Variables[0].Initializer is { } init ? model.GetOperation(init.Value, _cancellation) : null;
                    if (counter == null || !TryEvaluate(start, bound, instance, out double first)) return;
                    var scope = new Dictionary<ISymbol, double>(bound, SymbolEqualityComparer.Default);
                    for (double i = first, n = 0; n <= MaxUnrolledIterations; i++, n++)
                    {
                        scope[counter] = i;
                        if (!TryEvaluate(model.GetOperation(loop.Condition, _cancellation), scope, instance, out double go) || go == 0) return;
                        RunConstructorStatement(instance, model, loop.Statement, scope, depth);
                    }
                    return;
                }
                case IfStatementSyntax branch when TryEvaluate(model.GetOperation(branch.Condition, _cancellation), bound, instance, out double taken):
                    if (taken != 0) RunConstructorStatement(instance, model, branch.Statement, bound, depth);
                    else if (branch.Else != null) RunConstructorStatement(instance, model, branch.Else.Statement, bound, depth);
                    return;
                default:
                    return; // argument checks, logging, ...: nothing the model's structure depends on
            }
        }

        /// <summary><c>field = value</c> and <c>this.field = value</c>, and <c>array[i] = value</c> for an array field being filled.</summary>
        private void AssignFromConstructor(ModuleInstance instance, IOperation? operation, Dictionary<ISymbol, double> bound, int depth)
        {
            if (!(operation is ISimpleAssignmentOperation assignment)) return;
            switch (assignment.Target)
            {
                case IFieldReferenceOperation field when field.Instance is null or IInstanceReferenceOperation:
                    if (HoldsParameters(field.Field.Type) || IsScalarConstantType(field.Field.Type))
                        Assign(instance, field.Field, assignment.Value, assignment.Value.Syntax, bound, depth);
                    return;
                case IArrayElementReferenceOperation element when element.ArrayReference is IFieldReferenceOperation array
                                                                  && instance.Members.TryGetValue(array.Field.Name, out Member? member) && member is ListMember list:
                {
                    if (element.Indices.Length != 1 || !TryEvaluate(element.Indices[0], bound, instance, out double index) || index < 0 || index >= list.Elements.Count)
                    {
                        Report(DiagnosticDescriptors.InvalidLayer, element.Syntax, list.Path, "each element must be assigned at an index known at build time, within the array");
                        return;
                    }
                    var elements = list.Elements.ToList();
                    elements[(int)index] = Create(list.Path + "." + Format.Int((int)index), assignment.Value, assignment.Syntax, bound, depth)!;
                    instance.Members[array.Field.Name] = new ListMember(list.Path, elements);
                    return;
                }
            }
        }

        /// <summary>Records what <paramref name="field"/> holds after <c>field = value</c>.</summary>
        private void Assign(ModuleInstance instance, IFieldSymbol field, IOperation? value, SyntaxNode at, Dictionary<ISymbol, double> bound, int depth)
        {
            string path = instance.PathOf(field.Name);
            if (IsScalarConstantType(field.Type))
            {
                // Only read if a traced method uses it; one that is not known at build time is reported there. A field
                // that is not readonly may change after the build, so the graph cannot take its value as a constant.
                if (field.IsReadOnly && TryEvaluate(value, bound, instance, out double number)) instance.Members[field.Name] = new ConstantMember(number);
                else instance.Members.Remove(field.Name);
                return;
            }
            if (field.Type is IArrayTypeSymbol)
            {
                IReadOnlyList<(IOperation? Value, Dictionary<ISymbol, double> Bound)>? elements = ArrayElements(value, bound, instance);
                if (elements == null)
                {
                    _failedFields.Add(path);
                    Report(DiagnosticDescriptors.UnknownListLength, at, path,
                        "its length must be known at build time: use '[new(...), new(...)]', 'new T[] { ... }', 'new T[n]' filled by a constant-bound loop, or 'Enumerable.Range(0, n).Select(i => new T(...)).ToArray()'");
                    return;
                }
                var members = elements.Select((e, i) => e.Value == null ? null! : Create(path + "." + Format.Int(i), e.Value, e.Value.Syntax, e.Bound, depth)!).ToList();
                if (elements.Where((e, i) => e.Value != null && members[i] == null).Any())
                {
                    _failedFields.Add(path);
                    return;
                }
                instance.Members[field.Name] = new ListMember(path, members);
                return;
            }
            if (value != null && IsNullLiteral(value))
            {
                instance.Members.Remove(field.Name); // 'shortcut = null': an optional layer that is absent
                return;
            }
            Member? member = Create(path, value, at, bound, depth);
            if (member != null) instance.Members[field.Name] = member;
            else _failedFields.Add(path);
        }

        /// <summary>
        /// The element creations of an array value, each with the constants it is evaluated with (null values:
        /// 'new T[n]', filled later by the constructor), or null when its length is not known at build time.
        /// </summary>
        private IReadOnlyList<(IOperation? Value, Dictionary<ISymbol, double> Bound)>? ArrayElements(IOperation? value, Dictionary<ISymbol, double> bound, ModuleInstance instance)
        {
            while (value is IConversionOperation conversion) value = conversion.Operand;
            switch (value)
            {
                case ICollectionExpressionOperation collection when collection.Elements.All(e => !(e is ISpreadOperation)):
                    return collection.Elements.Select(e => ((IOperation?)e, bound)).ToArray();
                case IArrayCreationOperation { Initializer: { } initializer }:
                    return initializer.ElementValues.Select(e => ((IOperation?)e, bound)).ToArray();
                case IArrayCreationOperation creation when creation.DimensionSizes.Length == 1:
                    return TryEvaluate(creation.DimensionSizes[0], bound, instance, out double length) && length >= 0 && length <= 4096
                        ? Enumerable.Range(0, (int)length).Select(_ => ((IOperation?)null, bound)).ToArray() : null;
                case IInvocationOperation { TargetMethod: { Name: "ToArray" } } toArray when toArray.Arguments.Length == 1
                        && toArray.Arguments[0].Value is IInvocationOperation { TargetMethod: { Name: "Select" } } select && select.Arguments.Length == 2
                        && select.Arguments[0].Value is IInvocationOperation { TargetMethod: { Name: "Range", ContainingType: { Name: "Enumerable" } } } range
                        && TryEvaluate(range.Arguments[0].Value, bound, instance, out double start) && TryEvaluate(range.Arguments[1].Value, bound, instance, out double count)
                        && count >= 0 && count <= 4096 && select.Arguments[1].Value is IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda }:
                {
                    // Each element is the lambda's body with its parameter bound to start + i.
                    IOperation? body = lambda.Body.Operations.Length == 1 && lambda.Body.Operations[0] is IReturnOperation returned ? returned.ReturnedValue : null;
                    return Enumerable.Range(0, (int)count).Select(i =>
                    {
                        var scope = new Dictionary<ISymbol, double>(bound, SymbolEqualityComparer.Default);
                        if (lambda.Symbol.Parameters.Length == 1) scope[lambda.Symbol.Parameters[0]] = start + i;
                        return (body, scope);
                    }).ToArray();
                }
                default:
                    return null;
            }
        }

        /// <summary>
        /// What <c>new T(args)</c> makes: a layer with constant arguments, or a block built by its constructor.
        /// <paramref name="at"/> is where the layer is declared, for its diagnostics.
        /// </summary>
        private Member? Create(string path, IOperation? value, SyntaxNode at, Dictionary<ISymbol, double> bound, int depth)
        {
            while (value is IConversionOperation conversion) value = conversion.Operand;
            if (!(value is IObjectCreationOperation creation) || creation.Constructor == null || creation.Initializer != null)
            {
                Report(DiagnosticDescriptors.InvalidLayer, value?.Syntax ?? at, path,
                    "it must be created directly, e.g. 'new Linear(784, 256)' or 'new BasicBlock(16)', with no object initializer");
                return null;
            }
            INamedTypeSymbol type = creation.Constructor.ContainingType;
            Dictionary<ISymbol, double>? arguments = BindArguments(creation.Arguments, bound, null, path);
            if (arguments == null) return null;
            if (IsModuleType(type))
                return new ModuleMember(Instantiate(path, type, creation.Constructor, arguments, depth + 1));
            var args = creation.Arguments.Where(a => a.Parameter != null && arguments.ContainsKey(a.Parameter)).Select(a => new LayerArgSpec(a.Parameter!.Name, arguments[a.Parameter])).ToList();
            // Located at the declaration (the field's declarator, the constructor's assignment, the array element).
            return new LayerMember(new LayerSpec(path, type.Name, args.ToEquatableArray(), Origin(at)));
        }

        /// <summary>Each argument's constant value by parameter, or null (reported) when one is not known at build time.</summary>
        private Dictionary<ISymbol, double>? BindArguments(IEnumerable<IArgumentOperation> arguments, Dictionary<ISymbol, double> bound, ModuleInstance? self, string path)
        {
            var values = new Dictionary<ISymbol, double>(SymbolEqualityComparer.Default);
            foreach (IArgumentOperation argument in arguments)
            {
                if (argument.Parameter == null) continue;
                if (IsNullLiteral(argument.Value)) continue; // 'int? paddingIdx = null': the argument is absent
                if (!TryEvaluate(argument.Value, bound, self, out double value))
                {
                    Report(DiagnosticDescriptors.NonConstantLayerArgument, argument.Value.Syntax, path, argument.Parameter.Name);
                    return null;
                }
                values[argument.Parameter] = value;
            }
            return values;
        }

        private SemanticModel SemanticModelOf(SyntaxNode node)
            => node.SyntaxTree == _model.SyntaxTree ? _model : _model.Compilation.GetSemanticModel(node.SyntaxTree);

        /// <summary>Every layer in the object tree, in field declaration order, depth first: the order Parameters() lists them in.</summary>
        private static IEnumerable<LayerSpec> Flatten(ModuleInstance instance)
            => HeldFields(instance.Type).Where(f => instance.Members.ContainsKey(f.Name)).SelectMany(f => Flatten(instance.Members[f.Name]));

        private static IEnumerable<LayerSpec> Flatten(Member member)
        {
            switch (member)
            {
                case LayerMember layer: return new[] { layer.Spec };
                case ModuleMember module: return Flatten(module.Instance);
                case ListMember list: return list.Elements.SelectMany(Flatten);
                default: return Enumerable.Empty<LayerSpec>();
            }
        }

        /// <summary>The flattened fields of an object for the generated Parameters(), Layers() and Initialize.</summary>
        private static EquatableArray<FieldSpec> FieldsOf(ModuleInstance instance)
            => HeldFields(instance.Type)
                .Where(f => instance.Members.ContainsKey(f.Name))
                .Select(f => FieldOf(f, instance.Members[f.Name]))
                .ToEquatableArray();

        private static FieldSpec FieldOf(IFieldSymbol field, Member? member)
        {
            FieldKind kind = field.Type is IArrayTypeSymbol array
                ? (IsModuleType(array.ElementType) ? FieldKind.ModuleList : FieldKind.LayerList)
                : (IsModuleType(field.Type) ? FieldKind.Module : FieldKind.Layer);
            int count = member is ListMember list ? list.Elements.Count : member == null ? 0 : 1;
            return new FieldSpec(field.Name, kind, count) { Identifier = EscapedIdentifier(field.Name) };
        }

        /// <summary>A name as C# code must write it: '@' before a keyword.</summary>
        internal static string EscapedIdentifier(string name) => Common.Format.Identifier(name);

        /// <summary>Parses a [Module] class on its own: the fields its generated members walk. Never throws.</summary>
        public static ModuleParseResult ParseModule(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellation)
        {
            var syntax = (TypeDeclarationSyntax)context.TargetNode;
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var parser = new ModelParser(context.SemanticModel, cancellation);
            string hintName = HintNameOf(symbol);
            if (!IsFirstAttributed(syntax, symbol, ModuleAttributeName))
                return new ModuleParseResult(null, hintName, EquatableArray<LocationInfo>.Empty, EquatableArray<DiagnosticInfo>.Empty);
            try
            {
                int origin = parser.Origin(syntax.Identifier.GetLocation());
                parser.CheckClassShape(syntax, symbol);
                parser.ReportCollisions(symbol, isModule: true);
                if (HasAttribute(symbol, ModelAttributeName))
                    parser.Report(DiagnosticDescriptors.InvalidModel, syntax.Identifier.GetLocation(), symbol.Name, "a class is a [Model] or a [Module], not both");
                var fields = HeldFields(symbol).Select(f => FieldOf(f, null)).ToEquatableArray();
                string ns = symbol.ContainingNamespace.IsGlobalNamespace ? "" : symbol.ContainingNamespace.ToDisplayString();
                var spec = parser._diagnostics.Count == 0 && !DeclaresTwice(symbol) ? new ModuleSpec(ns, symbol.Name, AccessibilityOf(symbol), fields, origin) : null;
                return new ModuleParseResult(spec, hintName, parser._locations.ToEquatableArray(), parser._diagnostics.ToEquatableArray());
            }
            catch (System.OperationCanceledException)
            {
                throw;
            }
            catch (System.Exception ex)
            {
                parser._diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError,
                    parser.Origin(syntax.Identifier.GetLocation()), symbol.Name, "parsing", ex.GetType().Name + ": " + ex.Message));
                return new ModuleParseResult(null, hintName, parser._locations.ToEquatableArray(), parser._diagnostics.ToEquatableArray());
            }
        }
    }
}
