using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing
{
    /// <summary>
    /// MG0018: a user's member (or the class's own name) that takes a name ModelGen must generate. Generated code
    /// would not compile around it, so the class gets this one error and nothing else.
    /// </summary>
    internal sealed partial class ModelParser
    {
        /// <summary>What a model gets: a name, the parameter types of a method (null for anything else), and how the message says it.</summary>
        private static readonly (string Name, string[]? Parameters, string Described)[] ModelMembers =
        {
            ("Parameters", new string[0], "the method Parameters()"),
            ("Initialize", new[] { "int" }, "the method Initialize(int seed)"),
            ("Layers", new string[0], "the method Layers()"),
            ("Compile", new[] { "ModelGen.CompileOptions" }, "the method Compile(CompileOptions? options)"),
            ("Graph", null, "the static property Graph"),
            ("Compiled", null, "the nested class Compiled"),
            ("__parameters", null, "the field __parameters"),
            ("__parameterNames", null, "the field __parameterNames"),
            ("__layers", null, "the field __layers"),
        };

        /// <summary>What a [Module] block gets.</summary>
        private static readonly (string Name, string[]? Parameters, string Described)[] ModuleMembers =
        {
            ("Parameters", new string[0], "the method Parameters()"),
            ("NamedParameters", new string[0], "the method NamedParameters()"),
            ("Initialize", new[] { "int" }, "the method Initialize(int seed)"),
            ("ResetParameters", new[] { "ModelGen.Rng" }, "the method ResetParameters(Rng rng)"),
            ("Layers", new string[0], "the method Layers()"),
            ("__parameters", null, "the field __parameters"),
            ("__layers", null, "the field __layers"),
        };

        /// <summary>Reports every collision of <paramref name="symbol"/> with what ModelGen generates for it; true when there was one.</summary>
        private bool ReportCollisions(INamedTypeSymbol symbol, bool isModule)
        {
            string kind = isModule ? "block" : "model";
            int before = _diagnostics.Count;
            foreach ((string name, string[]? parameters, string described) in isModule ? ModuleMembers : ModelMembers)
            {
                // A member named as its class does not compile (CS0542): the class's own name collides too.
                if (symbol.Name == name)
                    Report(DiagnosticDescriptors.GeneratedMemberCollision, LocationOf(symbol), name, described, kind, symbol.Name);
                foreach (ISymbol member in symbol.GetMembers(name).Where(m => !m.IsImplicitlyDeclared && m.Locations.Any(l => l.IsInSource)))
                {
                    // An overload with other parameters lives beside the generated method.
                    if (parameters != null && member is IMethodSymbol method && !SameParameters(method, parameters)) continue;
                    Report(DiagnosticDescriptors.GeneratedMemberCollision, LocationOf(member), name, described, kind, symbol.Name);
                }
            }
            return _diagnostics.Count > before;
        }

        /// <summary>
        /// Whether the class declares a field, property or event twice (a line doubled mid-edit): the compiler reports
        /// it (CS0102), and generated code naming the member would only add ambiguity errors (CS0229) of its own.
        /// </summary>
        private static bool DeclaresTwice(INamedTypeSymbol symbol)
            => symbol.GetMembers().Where(m => !(m is IMethodSymbol) && !(m is INamedTypeSymbol) && !m.IsImplicitlyDeclared)
                .GroupBy(m => m.Name).Any(g => g.Count() > 1);

        private static bool SameParameters(IMethodSymbol method, string[] types)
            => method.Parameters.Length == types.Length
               && method.Parameters.Select(p => p.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString()).SequenceEqual(types);
    }
}
