using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator
{
    /// <summary>
    /// The incremental pipeline, one step a line. Every step's output is value-equatable, so an edit that does not
    /// change what a model means stops at the first step whose output is unchanged.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class ModelGenerator : IIncrementalGenerator
    {
        internal const string ParseStep = "ModelGen.Parse";
        internal const string SpecStep = "ModelGen.Spec";
        internal const string CompileStep = "ModelGen.Compile";
        internal const string OptionsStep = "ModelGen.Options";
        internal const string ModuleStep = "ModelGen.Module";

        /// <summary>The MSBuild property that turns the report (MG2001) on for every model; made visible by build/ModelGen.props.</summary>
        internal const string ReportProperty = "ModelGenReport";

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // 1. Each [Model] class becomes a spec, its location table and its parse errors (the only step that sees Roslyn).
            IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(ModelParser.ModelAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax || node is RecordDeclarationSyntax,
                    static (ctx, ct) => ModelParser.Parse(ctx, ct))
                .WithTrackingName(ParseStep);

            // 2. The spec alone, without locations: moving text around does not re-run what follows.
            IncrementalValuesProvider<ModelSpec> specs = parsed
                .Where(static p => p.Spec != null)
                .Select(static (p, _) => p.Spec!)
                .WithTrackingName(SpecStep);

            // 3. The project's options, as a plain value: <ModelGenReport>true</ModelGenReport> reports every model.
            IncrementalValueProvider<GeneratorOptions> options = context.AnalyzerConfigOptionsProvider
                .Select(static (provider, _) => GeneratorOptions.From(provider.GlobalOptions))
                .WithTrackingName(OptionsStep);

            // 4. Trace, check shapes, lint, differentiate, run the passes and emit C#: source text and located-later diagnostics.
            IncrementalValuesProvider<ModelOutput> outputs = specs
                .Combine(options)
                .Select(static (pair, ct) => Compile(pair.Left, pair.Right, ct))
                .WithTrackingName(CompileStep);

            // 4b. Each [Module] block gets Parameters(), Layers() and Initialize; models inline its Forward themselves.
            IncrementalValuesProvider<ModuleParseResult> modules = context.SyntaxProvider
                .ForAttributeWithMetadataName(ModelParser.ModuleAttributeName,
                    static (node, _) => node is ClassDeclarationSyntax || node is RecordDeclarationSyntax,
                    static (ctx, ct) => ModelParser.ParseModule(ctx, ct))
                .WithTrackingName(ModuleStep);
            context.RegisterSourceOutput(modules, static (spc, m) =>
            {
                foreach (DiagnosticInfo d in m.Diagnostics) spc.ReportDiagnostic(d.ToDiagnostic(m.Locations));
                if (m.Spec != null) spc.AddSource(m.HintName, ModuleEmitter.Emit(m.Spec));
            });

            // 5. Parse errors are reported where they are.
            context.RegisterSourceOutput(parsed, static (spc, p) =>
            {
                foreach (DiagnosticInfo d in p.Diagnostics) spc.ReportDiagnostic(d.ToDiagnostic(p.Locations));
            });

            // 6. Sources are added; graph errors are located through the model's current location table.
            IncrementalValuesProvider<(ModelOutput Output, ParseResult Parsed)> located = outputs
                .Combine(parsed.Collect())
                .Select(static (pair, _) => (pair.Left, pair.Right.First(p => p.Spec != null && p.Spec.FullName == pair.Left.FullName)));
            context.RegisterSourceOutput(located, static (spc, pair) =>
            {
                foreach (DiagnosticInfo d in pair.Output.Diagnostics) spc.ReportDiagnostic(d.ToDiagnostic(pair.Parsed.Locations));
                if (pair.Output.Source.Length > 0) spc.AddSource(pair.Parsed.HintName, pair.Output.Source);
            });
        }

        /// <summary>Everything after parsing, as plain values. Never throws: a failure is MG9999 at the model.</summary>
        internal static ModelOutput Compile(ModelSpec spec, GeneratorOptions options, CancellationToken cancellation)
        {
            try
            {
                var (traced, errors) = GraphTracer.Trace(spec, cancellation);
                if (traced == null) return new ModelOutput(spec.FullName, "", errors);
                var diagnostics = Lints.ModelLints.Run(spec, traced).ToList();
                CompiledGraphs compiled = Pipeline.Run(traced, cancellation);
                bool report = spec.Report || options.Report;
                if (report) diagnostics.Add(Lints.ModelReport.Create(spec, traced, compiled, cancellation));
                if (report) diagnostics.Add(Lints.Int8Report.Create(spec, compiled, cancellation));
                return new ModelOutput(spec.FullName, ModelEmitter.Emit(spec, traced, compiled), diagnostics.ToEquatableArray());
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception ex)
            {
                return new ModelOutput(spec.FullName, "", EquatableArray.Create(
                    DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, spec.Origin, spec.ClassName, "compiling", ex.GetType().Name + ": " + ex.Message)));
            }
        }
    }

    /// <summary>What compiling one model yields: its generated source (empty on error) and its diagnostics.</summary>
    internal sealed record ModelOutput(string FullName, string Source, EquatableArray<DiagnosticInfo> Diagnostics);
}
