using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing
{
    /// <summary>Turns a [Model] class into a <see cref="ModelSpec"/>: layer fields, Forward, and the [Loss] method.</summary>
    internal sealed partial class ModelParser
    {
        public const string ModelAttributeName = "ModelGen.ModelAttribute";
        private const string TensorTypeName = "ModelGen.Tensor";
        private const string LayerInterfaceName = "ModelGen.ILayer";
        private const string ShapeAttributeName = "ModelGen.ShapeAttribute";
        private const string LossAttributeName = "ModelGen.LossAttribute";

        private SemanticModel _model;
        private readonly CancellationToken _cancellation;
        private readonly List<LocationInfo> _locations = new List<LocationInfo>();
        private readonly List<DiagnosticInfo> _diagnostics = new List<DiagnosticInfo>();
        private string _methodName = "Forward";

        /// <summary>The model's object tree, built before its methods are parsed.</summary>
        private ModuleInstance _root = null!;

        private ModelParser(SemanticModel model, CancellationToken cancellation)
        {
            _model = model;
            _cancellation = cancellation;
        }

        /// <summary>The pipeline's transform: never throws; a failure becomes MG9999 at the class name.</summary>
        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
        {
            var syntax = (TypeDeclarationSyntax)context.TargetNode;
            var symbol = (INamedTypeSymbol)context.TargetSymbol;
            var parser = new ModelParser(context.SemanticModel, cancellation);
            string hintName = HintNameOf(symbol);
            if (!IsFirstAttributed(syntax, symbol, ModelAttributeName)) return parser.Result(null, hintName);
            try
            {
                ModelSpec? spec = parser.ParseModel(syntax, symbol);
                return parser.Result(parser._diagnostics.Count == 0 ? spec : null, hintName);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception ex)
            {
                parser._diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError,
                    parser.Origin(syntax.Identifier.GetLocation()), symbol.Name, "parsing", ex.GetType().Name + ": " + ex.Message));
                return parser.Result(null, hintName);
            }
        }

        private ParseResult Result(ModelSpec? spec, string hintName)
            => new ParseResult(spec, hintName, _locations.ToEquatableArray(), _diagnostics.ToEquatableArray());

        /// <summary>
        /// The file name of a class's generated source: its full name without '@' (a hint name allows none), which
        /// stays unique since <c>@event</c> and <c>event</c> are one name.
        /// </summary>
        private static string HintNameOf(INamedTypeSymbol symbol)
            => symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "").Replace("@", "").Replace('<', '_').Replace('>', '_') + ".g.cs";

        /// <summary>
        /// Whether <paramref name="syntax"/> is the first declaration of the class that carries the attribute: partial
        /// declarations that repeat it (already CS0579) would otherwise add the same source twice.
        /// </summary>
        private static bool IsFirstAttributed(TypeDeclarationSyntax syntax, INamedTypeSymbol symbol, string attribute)
        {
            SyntaxReference? first = symbol.GetAttributes()
                .Where(a => a.AttributeClass?.ToDisplayString() == attribute && a.ApplicationSyntaxReference != null)
                .Select(a => a.ApplicationSyntaxReference!).FirstOrDefault();
            return first == null || (first.SyntaxTree == syntax.SyntaxTree && syntax.Span.Contains(first.Span));
        }

        private int Origin(Location location)
        {
            _locations.Add(LocationInfo.From(location));
            return _locations.Count - 1;
        }

        private int Origin(SyntaxNode node) => Origin(node.GetLocation());

        private void Report(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] args)
            => _diagnostics.Add(DiagnosticInfo.Create(descriptor, Origin(node), args));

        private void Report(DiagnosticDescriptor descriptor, Location location, params string[] args)
            => _diagnostics.Add(DiagnosticInfo.Create(descriptor, Origin(location), args));

        private ModelSpec? ParseModel(TypeDeclarationSyntax syntax, INamedTypeSymbol symbol)
        {
            int classOrigin = Origin(syntax.Identifier.GetLocation());
            CheckClassShape(syntax, symbol);
            if (ReportCollisions(symbol, isModule: false) || DeclaresTwice(symbol)) return null;

            // The model's object tree, as its constructor builds it at build time: every layer, in every block.
            IMethodSymbol? constructor = symbol.InstanceConstructors.FirstOrDefault(c => c.Parameters.Length == 0);
            _root = Instantiate("", symbol, constructor, new Dictionary<ISymbol, double>(SymbolEqualityComparer.Default), 0);
            List<LayerSpec> layers = Flatten(_root).ToList();

            IMethodSymbol[] forwards = symbol.GetMembers("Forward").OfType<IMethodSymbol>().Where(m => !m.IsStatic).ToArray();
            if (forwards.Length != 1)
            {
                Report(DiagnosticDescriptors.InvalidModel, syntax.Identifier.GetLocation(), symbol.Name,
                    forwards.Length == 0
                        ? "it has no Forward method; declare 'public Tensor Forward([Shape(\"B\", ...)] Tensor x)'"
                        : "it declares Forward more than once; a model has exactly one Forward method");
                return null;
            }
            MethodSpec? forward = ParseMethod(forwards[0], isLoss: false);

            IMethodSymbol[] losses = symbol.GetMembers().OfType<IMethodSymbol>().Where(m => HasAttribute(m, LossAttributeName)).ToArray();
            MethodSpec? loss = null;
            if (losses.Length > 1)
            {
                Report(DiagnosticDescriptors.InvalidModel, LocationOf(losses[1]), symbol.Name, "more than one method is marked [Loss]");
            }
            else if (losses.Length == 1)
            {
                loss = ParseMethod(losses[0], isLoss: true, forwardOutputs: System.Math.Max(1, OutputNamesOf(forwards[0].ReturnType).Count));
                // Inputs and targets become parameters of one compiled method (ComputeGradients), so their names must differ.
                foreach (IParameterSymbol target in losses[0].Parameters.Skip(1).Where(t => forwards[0].Parameters.Any(p => p.Name == t.Name)))
                    Report(DiagnosticDescriptors.InvalidModel, LocationOf(target), symbol.Name,
                        $"the [Loss] parameter '{target.Name}' has the name of a Forward input; compiled ComputeGradients and TrainStep take both, so rename one");
            }

            if (forward == null) return null;
            string ns = symbol.ContainingNamespace.IsGlobalNamespace ? "" : symbol.ContainingNamespace.ToDisplayString();
            bool report = symbol.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == ModelAttributeName)
                .SelectMany(a => a.NamedArguments).Any(a => a.Key == "Report" && a.Value.Value is true);
            return new ModelSpec(ns, symbol.Name, AccessibilityOf(symbol), layers.ToEquatableArray(), forward, loss, classOrigin)
            {
                Report = report,
                Fields = FieldsOf(_root),
                OutputNames = OutputNamesOf(forwards[0].ReturnType),
                LossTermNames = losses.Length == 1 ? OutputNamesOf(losses[0].ReturnType).Skip(1).ToEquatableArray() : EquatableArray<string>.Empty,
            };
        }

        private void CheckClassShape(TypeDeclarationSyntax syntax, INamedTypeSymbol symbol)
        {
            Location at = syntax.Identifier.GetLocation();
            if (symbol.IsRecord)
                Report(DiagnosticDescriptors.InvalidModel, at, symbol.Name, "a model cannot be a record; declare it as a partial class");
            if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
                Report(DiagnosticDescriptors.InvalidModel, at, symbol.Name, "a model class must be partial so ModelGen can add its compiled members");
            if (symbol.IsGenericType)
                Report(DiagnosticDescriptors.InvalidModel, at, symbol.Name, "a model class cannot be generic; shapes must be known at build time");
            if (symbol.ContainingType != null)
                Report(DiagnosticDescriptors.InvalidModel, at, symbol.Name, "a model class cannot be nested in another type; declare it at namespace level");
            if (symbol.IsStatic || symbol.IsAbstract)
                Report(DiagnosticDescriptors.InvalidModel, at, symbol.Name, "a model class cannot be static or abstract; it is instantiated to hold its parameters");
        }

        private static string AccessibilityOf(INamedTypeSymbol symbol)
            => symbol.DeclaredAccessibility == Accessibility.Public ? "public" : "internal";

        private static Location LocationOf(ISymbol symbol) => symbol.Locations.FirstOrDefault() ?? Location.None;

        private static bool HasAttribute(ISymbol symbol, string fullName)
            => symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == fullName);

        private static bool IsLayerType(ITypeSymbol type)
            => type.AllInterfaces.Any(i => i.ToDisplayString() == LayerInterfaceName);

        private static bool IsTensor(ITypeSymbol? type) => type?.ToDisplayString() == TensorTypeName;

        private static bool TryNumber(object? value, out double number)
        {
            switch (value)
            {
                case int i: number = i; return true;
                case long l: number = l; return true;
                case float f: number = f; return true;
                case double d: number = d; return true;
                case bool b: number = b ? 1 : 0; return true;
                default: number = 0; return false;
            }
        }
    }
}
