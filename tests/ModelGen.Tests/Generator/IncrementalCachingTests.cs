using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// The generator's caching: an edit that does not change a model leaves every graph step Cached or Unchanged,
/// and no step's output holds a Roslyn symbol, syntax node or compilation (which would defeat the cache and leak memory).
/// </summary>
public class IncrementalCachingTests
{
    private static readonly string[] GraphSteps = { ModelGenerator.SpecStep, ModelGenerator.CompileStep };

    private static GeneratorDriverRunResult RunTwice(string source, Func<CSharpCompilation, CSharpCompilation> edit, out GeneratorDriverRunResult first)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(source);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        first = driver.GetRunResult();
        return driver.RunGenerators(edit(compilation)).GetRunResult();
    }

    private static void AssertCached(GeneratorDriverRunResult result)
    {
        IReadOnlyDictionary<string, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep>> steps = result.Results[0].TrackedSteps;
        foreach (string name in GraphSteps)
        {
            Assert.True(steps.ContainsKey(name), $"step {name} did not run");
            foreach (IncrementalGeneratorRunStep step in steps[name])
            {
                foreach (var (_, reason) in step.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name} was {reason}");
            }
        }
    }

    [Fact]
    public void EditElsewhereInFile_GraphStepsCachedOrUnchanged()
    {
        GeneratorDriverRunResult second = RunTwice(TestModels.MnistMlp, c =>
        {
            SyntaxTree tree = c.SyntaxTrees.First();
            string edited = tree.ToString() + "\nnamespace Other { class Unrelated { int Value => 42; } }\n";
            return c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, path: tree.FilePath));
        }, out _);
        AssertCached(second);
    }

    [Fact]
    public void EditAboveModelShiftingSpans_GraphStepsCachedOrUnchanged()
    {
        GeneratorDriverRunResult second = RunTwice(TestModels.MnistMlp, c =>
        {
            SyntaxTree tree = c.SyntaxTrees.First();
            string edited = "// a new comment line that shifts every span of the model\n" + tree;
            return c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, path: tree.FilePath));
        }, out _);
        AssertCached(second);
    }

    [Fact]
    public void UnrelatedFileAdded_GraphStepsCachedOrUnchanged()
    {
        GeneratorDriverRunResult second = RunTwice(TestModels.MnistMlp,
            c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Other { }", GeneratorHarness.ParseOptions, path: "Other.cs")), out _);
        AssertCached(second);
    }

    [Fact]
    public void ModelChanged_CompileStepRunsAgain()
    {
        GeneratorDriverRunResult second = RunTwice(TestModels.MnistMlp, c =>
        {
            SyntaxTree tree = c.SyntaxTrees.First();
            string edited = tree.ToString().Replace("new(256, 128)", "new(256, 64)").Replace("new(128, 10)", "new(64, 10)");
            return c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, path: tree.FilePath));
        }, out _);
        var reasons = second.Results[0].TrackedSteps[ModelGenerator.CompileStep].SelectMany(s => s.Outputs).Select(o => o.Reason);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
    }

    [Fact]
    public void StepOutputs_HoldNoSymbolsSyntaxOrCompilation()
    {
        RunTwice(TestModels.MnistMlp, c => c, out GeneratorDriverRunResult first);
        foreach (var (name, steps) in first.Results[0].TrackedSteps)
        {
            if (!name.StartsWith("ModelGen.", StringComparison.Ordinal)) continue;
            foreach (IncrementalGeneratorRunStep step in steps)
            {
                foreach (var (value, _) in step.Outputs) AssertNoRoslynObjects(value, name, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, string step, HashSet<object> seen)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum) return;
        if (!value.GetType().IsValueType && !seen.Add(value)) return;
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree,
            $"step {step} output holds a {value.GetType().Name}");
        if (value is IEnumerable sequence)
        {
            foreach (object? item in sequence) AssertNoRoslynObjects(item, step, seen);
            return;
        }
        for (Type? type = value.GetType(); type != null && type != typeof(object); type = type.BaseType)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer) continue;
                AssertNoRoslynObjects(field.GetValue(value), step, seen);
            }
        }
    }
}
