using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using Xunit;

namespace ModelGen.Tests.Generator.CodeFixes;

/// <summary>
/// Code-fix tests against the diagnostics of the real generator, with Microsoft.CodeAnalysis.Testing: it runs the
/// generators of <see cref="GetSourceGenerators"/> and includes their diagnostics among those it fixes and verifies
/// (the before state must have exactly the expected ones, the fixed state none, and both must compile with the
/// generated code). It also checks fix-all (BatchFixer) in document, project and solution scope.
/// </summary>
/// <remarks>
/// One adaptation, which the IDE makes too: the generator reports plain file-path locations (it keeps locations as
/// values so its pipeline caches), which have no SyntaxTree. The IDE maps such a location to the document with that
/// path (Roslyn's DiagnosticAnalysisResultBuilder, Project.GetDocumentForExternalLocation) before asking for fixes;
/// the test framework looks fixable diagnostics up by SyntaxTree, so <see cref="GetProjectCompilationAsync"/> does
/// the same mapping. Ids, severities, spans and properties are kept as the generator reported them.
/// </remarks>
internal sealed class ModelCodeFixTest<TFix> : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, TFix, DefaultVerifier>
    where TFix : CodeFixProvider, new()
{
    public ModelCodeFixTest(string testCode, string fixedCode)
    {
        TestCode = testCode;
        FixedCode = fixedCode;
        // No reference pack download: the test host's own assemblies and the runtime, as GeneratorHarness compiles.
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        TestState.AdditionalReferences.AddRange(GeneratorHarness.Compilation().References);
        // The generated code is the snapshot tests' business; here it only has to compile.
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        SolutionTransforms.Add((solution, projectId) => solution
            .WithProjectParseOptions(projectId, GeneratorHarness.ParseOptions)
            .WithProjectCompilationOptions(projectId, ((CSharpCompilationOptions)solution.GetProject(projectId)!.CompilationOptions!)
                .WithNullableContextOptions(NullableContextOptions.Enable)));
    }

    /// <summary>When set, every applied code action must have this title.</summary>
    public string? ExpectedTitle
    {
        init => CodeActionVerifier = (action, verifier) => verifier.Equal(value, action.Title, "code fix title");
    }

    protected override IEnumerable<Type> GetSourceGenerators() => new[] { typeof(ModelGenerator) };

    protected override async Task<(Compilation compilation, ImmutableArray<Diagnostic> generatorDiagnostics)> GetProjectCompilationAsync(
        Project project, IVerifier verifier, CancellationToken cancellationToken)
    {
        var (compilation, generatorDiagnostics) = await base.GetProjectCompilationAsync(project, verifier, cancellationToken);
        return (compilation, generatorDiagnostics.Select(d => InSource(d, compilation)).ToImmutableArray());
    }

    /// <summary>The diagnostic located in the syntax tree whose path its file location names (as the IDE locates it).</summary>
    private static Diagnostic InSource(Diagnostic diagnostic, Compilation compilation)
    {
        if (diagnostic.Location.Kind != LocationKind.ExternalFile) return diagnostic;
        string path = diagnostic.Location.GetLineSpan().Path;
        SyntaxTree? tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == path);
        if (tree == null) return diagnostic;
        return Diagnostic.Create(diagnostic.Id, diagnostic.Descriptor.Category, diagnostic.GetMessage(), diagnostic.Severity,
            diagnostic.DefaultSeverity, diagnostic.Descriptor.IsEnabledByDefault, diagnostic.WarningLevel, diagnostic.Descriptor.Title,
            diagnostic.Descriptor.Description, diagnostic.Descriptor.HelpLinkUri, Location.Create(tree, diagnostic.Location.SourceSpan),
            diagnostic.AdditionalLocations, diagnostic.Descriptor.CustomTags, diagnostic.Properties);
    }
}

/// <summary>Runs one code-fix case and the checks every case shares.</summary>
internal static class CodeFixVerifier
{
    public static readonly (string, DiagnosticSeverity) MG0001 = ("MG0001", DiagnosticSeverity.Error);
    public static readonly (string, DiagnosticSeverity) MG0009 = ("MG0009", DiagnosticSeverity.Error);
    public static readonly (string, DiagnosticSeverity) MG1001 = ("MG1001", DiagnosticSeverity.Warning);
    public static readonly (string, DiagnosticSeverity) MG1002 = ("MG1002", DiagnosticSeverity.Warning);
    public static readonly (string, DiagnosticSeverity) MG1003 = ("MG1003", DiagnosticSeverity.Warning);

    /// <summary>A source file with one [Model] class M holding <paramref name="members"/>.</summary>
    public static string Model(string members, string usings = GeneratorHarness.Usings) => usings + $$"""
        [Model]
        public partial class M
        {
        {{members}}
        }
        """;

    /// <summary>A test whose code has the diagnostics marked {|#0:…|}, {|#1:…|}, … and for which no fix may change anything.</summary>
    public static Task VerifyNoFixAsync<TFix>(string source, params (string Id, DiagnosticSeverity Severity)[] ids)
        where TFix : CodeFixProvider, new()
    {
        var test = new ModelCodeFixTest<TFix>(source, source);
        for (int i = 0; i < ids.Length; i++)
            test.ExpectedDiagnostics.Add(new DiagnosticResult(ids[i].Id, ids[i].Severity).WithLocation(i));
        return test.RunAsync();
    }

    /// <summary>
    /// Before (markup: each expected diagnostic's span as <c>{|#0:…|}</c>, <c>{|#1:…|}</c>, …, in order of
    /// <paramref name="ids"/>) and after, compared exactly, with the fix's title. The fixed code must also compile
    /// with the generator and have no diagnostic of any of the ids.
    /// </summary>
    public static async Task VerifyAsync<TFix>(string before, string after, string title, params (string Id, DiagnosticSeverity Severity)[] ids)
        where TFix : CodeFixProvider, new()
    {
        var test = new ModelCodeFixTest<TFix>(before, after) { ExpectedTitle = title };
        for (int i = 0; i < ids.Length; i++)
            test.ExpectedDiagnostics.Add(new DiagnosticResult(ids[i].Id, ids[i].Severity).WithLocation(i));
        if (ids.Length > 1)
        {
            test.NumberOfIncrementalIterations = ids.Length;
            test.NumberOfFixAllIterations = 1;
        }
        else
        {
            // Fix-all of one diagnostic repeats the single fix three times over (document, project, solution scope),
            // each a generator run and a compilation; the cases with several diagnostics check fix-all.
            test.CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipFixAllCheck;
        }
        await test.RunAsync();

        GeneratorHarness.Result fixedResult = GeneratorHarness.Run(after);
        Assert.Empty(fixedResult.CompilationErrors);
        Assert.DoesNotContain(fixedResult.GeneratorDiagnostics, d => ids.Any(id => id.Id == d.Id));
        Assert.Single(fixedResult.Sources);
    }

    /// <summary>The generator's diagnostic, exactly as it reports it (file-path location, no SyntaxTree), given to the fix directly.</summary>
    public static async Task<(string Title, string Fixed)> ApplyToRawDiagnosticAsync(CodeFixProvider fix, string source, string id)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
        Assert.Null(diagnostic.Location.SourceTree);

        using var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject("UserModels", LanguageNames.CSharp)
            .WithParseOptions(GeneratorHarness.ParseOptions)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable))
            .WithMetadataReferences(GeneratorHarness.Compilation().References);
        Document document = project.AddDocument("Model0.cs", SourceText.From(source), filePath: diagnostic.Location.GetLineSpan().Path);

        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await fix.RegisterCodeFixesAsync(context);
        CodeAction registered = Assert.Single(actions);
        ImmutableArray<CodeActionOperation> operations = await registered.GetOperationsAsync(CancellationToken.None);
        Solution changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        return (registered.Title, (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString());
    }
}
