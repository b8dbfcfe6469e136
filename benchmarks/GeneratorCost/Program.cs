using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator;

// Times the ModelGen generator on each sample model, as the compiler runs it:
//   cold - a new GeneratorDriver on a new compilation (what a command-line build pays per model),
//   warm - the same driver after an edit of Forward (what the IDE pays per keystroke that changes the model).
// Usage: dotnet run --project benchmarks/GeneratorCost -c Release [-- repetitions]
int repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
string root = RepositoryRoot();
MetadataReference[] references = References();
var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);

// EditAt: the text the warm run's edit prefixes with "2f * "; null for the first "return " after "Tensor Forward(".
var models = new List<(string Name, string Source, string? EditAt)>
{
    ("MnistMlp", File.ReadAllText(Path.Combine(root, "samples", "Mnist", "MnistMlp.cs")), null),
    ("LeNet5", File.ReadAllText(Path.Combine(root, "samples", "LeNet", "LeNet5.cs")), null),
};
string architectures = File.ReadAllText(Path.Combine(root, "tests", "ModelGen.Tests", "Compiled", "ArchitectureTrainingTests.cs"));
models.Add(("TinyResNet", ModelOnly(architectures, "TinyResNet"), null));
models.Add(("TinyMobileNet", ModelOnly(architectures, "TinyMobileNet"), null));
// Composed samples: the whole file, its [Module] blocks and its [Model]. The edit goes into the model's own Forward.
models.Add(("MnistResNet", File.ReadAllText(Path.Combine(root, "samples", "ResNet", "MnistResNet.cs")), "head.Forward(Flatten("));
models.Add(("MnistVae", File.ReadAllText(Path.Combine(root, "samples", "Vae", "MnistVae.cs")), "decoder.Forward(z), mu"));

Console.WriteLine($"ModelGen generator cost, {repetitions} repetitions per row, .NET {Environment.Version}, {Environment.ProcessorCount} cores");
Console.WriteLine();
// Total: the generator's own time as the compiler accounts it (GeneratorDriver.GetTimingInfo, what -reportanalyzer
// shows), including the binding its syntax provider triggers, not the parsing of the text or the loading of references.
// Parse and Compile: the tracked steps ModelGen.Parse and ModelGen.Compile. CPU: the process's processor time over
// the same call, which a busy shared machine inflates less than wall time.
Console.WriteLine("| model | run | total median ms | p10..p90 | spread | Parse step ms | Compile step ms | CPU median ms |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (var (name, source, editAt) in models)
{
    // Two versions of Forward, the second scaling the result (one more node): the warm driver alternates between them.
    int forward = source.IndexOf("Tensor Forward(", StringComparison.Ordinal);
    int at = editAt is null
        ? source.IndexOf("return ", forward, StringComparison.Ordinal) + "return ".Length
        : source.IndexOf(editAt, StringComparison.Ordinal);
    string edited = source.Substring(0, at) + "2f * " + source.Substring(at);
    SyntaxTree[] versions = { Parse(source), Parse(edited) };

    Sample first = Run(NewDriver(), Compile(versions[0])).Sample;
    Console.WriteLine($"| {name} | first in process (JIT) | {first.Total:F1} | | | {first.Parse:F1} | {first.Compile:F1} | {first.Cpu:F1} |");

    var cold = new List<Sample>();
    for (int i = 0; i < repetitions + 5; i++)
    {
        Sample sample = Run(NewDriver(), Compile(versions[0])).Sample;
        if (i >= 5) cold.Add(sample);   // the first few still JIT paths
    }
    Report(name, "cold: new driver", cold);

    var warm = new List<Sample>();
    CSharpCompilation current = Compile(versions[0]);
    GeneratorDriver warmDriver = Run(NewDriver(), current).Driver;
    for (int i = 0; i < repetitions + 5; i++)
    {
        CSharpCompilation next = current.ReplaceSyntaxTree(current.SyntaxTrees[0], versions[(i + 1) % 2]);
        (warmDriver, Sample sample) = Run(warmDriver, next);
        current = next;
        if (i >= 5) warm.Add(sample);
    }
    Report(name, "warm: Forward edited", warm);
}

static void Report(string model, string run, List<Sample> samples)
{
    List<double> total = samples.Select(s => s.Total).ToList();
    Console.WriteLine($"| {model} | {run} | {Median(total):F2} | {Percentile(total, 0.1):F2}..{Percentile(total, 0.9):F2} | {Spread(total):P0} | " +
                      $"{Median(samples.Select(s => s.Parse).ToList()):F2} | {Median(samples.Select(s => s.Compile).ToList()):F2} | {Median(samples.Select(s => s.Cpu).ToList()):F2} |");
}

SyntaxTree Parse(string text) => CSharpSyntaxTree.ParseText(text, parseOptions, path: "Model.cs");

CSharpCompilation Compile(SyntaxTree tree)
    => CSharpCompilation.Create("UserModels", new[] { tree }, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

static GeneratorDriver NewDriver()
    => CSharpGeneratorDriver.Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: new CSharpParseOptions(LanguageVersion.Preview),
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

// Runs the generator and checks that it compiled the model: timing an error path would say nothing.
static (GeneratorDriver Driver, Sample Sample) Run(GeneratorDriver driver, CSharpCompilation compilation)
{
    TimeSpan cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    driver = driver.RunGenerators(compilation);
    TimeSpan cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    GeneratorDriverRunResult result = driver.GetRunResult();
    // One source per [Model] and one per [Module] block.
    int expected = compilation.SyntaxTrees.Sum(t => t.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.AttributeSyntax>()
        .Count(a => a.Name.ToString() is "Model" or "Module"));
    if (result.GeneratedTrees.Length != expected || result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        throw new InvalidOperationException("the generator did not compile the model: " + string.Join("; ", result.Diagnostics));
    var steps = result.Results[0].TrackedSteps;
    double StepMs(string step) => steps.TryGetValue(step, out var runs) ? runs.Sum(r => r.ElapsedTime.TotalMilliseconds) : 0;
    return (driver, new Sample(driver.GetTimingInfo().ElapsedTime.TotalMilliseconds, StepMs("ModelGen.Parse"), StepMs("ModelGen.Compile"), cpu.TotalMilliseconds));
}

// (p90 - p10) / median.
static double Spread(List<double> values) => (Percentile(values, 0.9) - Percentile(values, 0.1)) / Median(values);

static double Median(List<double> values) => Percentile(values, 0.5);

static double Percentile(List<double> values, double p)
{
    double[] sorted = values.Order().ToArray();
    double index = p * (sorted.Length - 1);
    int low = (int)Math.Floor(index);
    int high = Math.Min(low + 1, sorted.Length - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (index - low);
}

// One [Model] class of a test file, with the file's usings (less the test framework's) and namespace.
static string ModelOnly(string file, string className)
{
    string[] lines = file.Split('\n');
    var header = lines.Where(l => (l.StartsWith("using ", StringComparison.Ordinal) && !l.Contains("Xunit", StringComparison.Ordinal))
                                  || l.StartsWith("namespace ", StringComparison.Ordinal));
    int start = Array.FindIndex(lines, l => l.Contains("partial class " + className, StringComparison.Ordinal)) - 1;
    int end = Array.FindIndex(lines, start, l => l.TrimEnd() == "}");
    return string.Join("\n", header) + "\n\n" + string.Join("\n", lines[start..(end + 1)]) + "\n";
}

static MetadataReference[] References()
{
    var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
    paths.Add(typeof(ModelGen.Tensor).Assembly.Location);
    return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
}

static string RepositoryRoot()
{
    for (string? dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
        if (File.Exists(Path.Combine(dir, "ModelGen.sln"))) return dir;
    throw new InvalidOperationException("run from inside the ModelGen repository");
}

/// <summary>One run of the generator, in milliseconds.</summary>
internal readonly record struct Sample(double Total, double Parse, double Compile, double Cpu);
