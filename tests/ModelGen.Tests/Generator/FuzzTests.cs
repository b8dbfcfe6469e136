using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Generator;

/// <summary>
/// The generator on mid-edit sources (<see cref="SourceMutator"/>): it never throws, never reports MG9999, never
/// emits code with a C# error in it, and answers each source within a second.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    /// <summary>Sources per run; FUZZ_SOURCES=20000 searches longer (FUZZ_SEED moves the search elsewhere).</summary>
    private static readonly int Sources = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SOURCES"), out int n) ? n : 1000;

    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out int s) ? s : 0;

    [Fact]
    public void MutatedModels_GeneratorNeverThrowsNorEmitsCodeThatFailsToCompile()
    {
        IReadOnlyList<string> corpus = SourceMutator.Corpus();
        // One driver, never run itself: each source runs a fresh copy, so nothing is cached between sources.
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);
        Check(driver, corpus[0]); // warm up: the first run pays for JIT

        var failures = new ConcurrentBag<(int Index, string Failure)>();
        var slowest = new ConcurrentBag<long>();
        long checking = 0;
        var total = Stopwatch.StartNew();
        Parallel.For(0, Sources, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            string source = new SourceMutator(Seed + i).Mutate(corpus[i % corpus.Count]);
            var clock = Stopwatch.StartNew();
            (string? failure, long milliseconds) = Check(driver, source);
            // A slow run is run again: a second over the budget on a busy machine is noise until it repeats.
            if (milliseconds > 1000) (failure, milliseconds) = Check(driver, source);
            Interlocked.Add(ref checking, clock.ElapsedMilliseconds - milliseconds);
            slowest.Add(milliseconds);
            if (failure != null) failures.Add((i, failure + "\n--- source " + i + ":\n" + source));
        });
        foreach (var (index, failure) in failures.OrderBy(f => f.Index)) output.WriteLine($"source {index}: {failure.Split('\n')[0]}");
        output.WriteLine($"{Sources} sources from {corpus.Count} models in {total.Elapsed.TotalSeconds:F1} s (generator {slowest.Sum() / 1000.0:F1} s, compiling its output {checking / 1000.0:F1} s, all threads); slowest generator run {slowest.Max()} ms; {failures.Count} failures");
        Assert.True(failures.IsEmpty, failures.Count + " failing sources; the first:\n" + string.Join("\n\n", failures.OrderBy(f => f.Index).Take(3).Select(f => f.Failure)));
    }

    /// <summary>
    /// The runtime and what it references, and the few framework assemblies models use: binding a compilation against
    /// every framework assembly (as <see cref="GeneratorHarness"/> does) costs more than the generator.
    /// </summary>
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .GroupBy(p => Path.GetFileNameWithoutExtension(p), StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
        System.Reflection.Assembly runtime = typeof(ModelGen.Tensor).Assembly;
        var names = runtime.GetReferencedAssemblies().Select(a => a.Name!)
            .Concat(new[] { "System.Private.CoreLib", "System.Runtime", "System.Linq", "System.Collections", "System.Memory", "netstandard" });
        return names.Distinct().Where(framework.ContainsKey).Select(n => framework[n]).Append(runtime.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    /// <summary>A compilation without sources: those made from it share its bound references, which are most of the cost.</summary>
    private static readonly Lazy<CSharpCompilation> Empty = new(() => CSharpCompilation.Create("Fuzzed", Array.Empty<SyntaxTree>(), References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)));

    /// <summary>The corpus itself: enough models to fuzz, each read from where the tests declare it.</summary>
    [Fact]
    public void Corpus_HoldsTheTestAndSampleModels()
    {
        IReadOnlyList<string> corpus = SourceMutator.Corpus();
        Assert.True(corpus.Count >= 100, "corpus of " + corpus.Count);
        Assert.Contains(corpus, s => s.Contains("class LeNet5Half", StringComparison.Ordinal));
        Assert.Contains(corpus, s => s.Contains("[Module]", StringComparison.Ordinal));
    }

    /// <summary>Runs the generator on one source: the first broken promise, if any, and how long the generator took.</summary>
    internal static (string? Failure, long Milliseconds) Check(GeneratorDriver driver, string source)
    {
        CSharpCompilation compilation = Empty.Value.AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: "Model0.cs"));
        var clock = Stopwatch.StartNew();
        GeneratorDriver ran = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation updated, out ImmutableArray<Diagnostic> diagnostics);
        long milliseconds = clock.ElapsedMilliseconds;
        GeneratorDriverRunResult run = ran.GetRunResult();
        if (run.Results.Any(r => r.Exception != null)) return ("generator threw: " + run.Results.First(r => r.Exception != null).Exception, milliseconds);
        Diagnostic? internalError = diagnostics.FirstOrDefault(d => d.Id == "MG9999" || d.Id == "CS8785");
        if (internalError != null) return ("internal error: " + internalError, milliseconds);
        if (milliseconds > 1000) return ($"the generator took {milliseconds} ms", milliseconds);
        foreach (SyntaxTree tree in run.GeneratedTrees)
        {
            var errors = updated.GetSemanticModel(tree).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0) return ("error in generated code: " + string.Join("\n", errors.Take(5)), milliseconds);
        }
        return (null, milliseconds);
    }
}
