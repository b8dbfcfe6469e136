using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator;

namespace ModelGen.Tests.Generator;

/// <summary>Runs the generator on source text against the real runtime, as the compiler would.</summary>
public static class GeneratorHarness
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(ModelGen.Tensor).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    public const string Usings = "using ModelGen;\nusing static ModelGen.Ops;\n";

    public static CSharpCompilation Compilation(params string[] sources)
        => CSharpCompilation.Create("UserModels",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Model{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver()
        => CSharpGeneratorDriver.Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>A driver that sees <paramref name="options"/> as the project's analyzer config (MSBuild properties as build_property.*).</summary>
    public static GeneratorDriver Driver(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider options)
        => CSharpGeneratorDriver.Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: ParseOptions, optionsProvider: options,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns generated sources, the generator's diagnostics and the diagnostics of the output compilation.</summary>
    public static Result Run(params string[] sources)
    {
        CSharpCompilation compilation = Compilation(sources);
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        return new Result(
            run.GeneratedTrees.ToDictionary(t => Path.GetFileName(t.FilePath), t => t.GetText().ToString()),
            generatorDiagnostics,
            output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray());
    }

    /// <summary>
    /// Runs a source whose one error span is marked [| |] (after <see cref="Usings"/>) and asserts that the generator
    /// reports exactly one model error, there, with this id, message and help link; returns the run for more checks.
    /// </summary>
    public static Result AssertSingleError(string markedSource, string id, string message)
    {
        int start = markedSource.IndexOf("[|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", StringComparison.Ordinal) - 2;
        Result result = Run(Usings + markedSource.Replace("[|", "").Replace("|]", ""));
        Diagnostic diagnostic = Xunit.Assert.Single(result.ModelDiagnostics);
        Xunit.Assert.Equal(id, diagnostic.Id);
        Xunit.Assert.Equal(start + Usings.Length, diagnostic.Location.SourceSpan.Start);
        Xunit.Assert.Equal(end - start, diagnostic.Location.SourceSpan.Length);
        Xunit.Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Xunit.Assert.Equal($"docs/diagnostics/{id}.md", diagnostic.Descriptor.HelpLinkUri);
        return result;
    }

    public sealed record Result(Dictionary<string, string> Sources, ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> CompilationErrors)
    {
        /// <summary>The model's errors from the generator (lint warnings are in <see cref="Lints"/>).</summary>
        public ImmutableArray<Diagnostic> ModelDiagnostics => GeneratorDiagnostics
            .Where(d => d.Id.StartsWith("MG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error).ToImmutableArray();

        /// <summary>The generator's warnings about modelling mistakes (MG1xxx).</summary>
        public ImmutableArray<Diagnostic> Lints => GeneratorDiagnostics
            .Where(d => d.Id.StartsWith("MG", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Warning).ToImmutableArray();
    }
}
