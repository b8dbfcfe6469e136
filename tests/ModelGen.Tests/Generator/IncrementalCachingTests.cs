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
    private static readonly string[] GraphSteps = { ModelGenerator.SpecStep, ModelGenerator.CompileStep, ModelGenerator.OptionsStep };

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

    // Every tracked step, edit by edit: what an edit that does not change the model leaves cached, and what a change
    // of the model or of the options re-runs. Parse re-runs on any edit of the model's file (it reads positions), but
    // its output is Unchanged unless the model's text moved or changed.
    private const string Parse = ModelGenerator.ParseStep, Spec = ModelGenerator.SpecStep, Compile = ModelGenerator.CompileStep, Options = ModelGenerator.OptionsStep;
    private static readonly string[] AllSteps = { Parse, Spec, Compile, Options };

    private static IncrementalStepRunReason[] Reasons(GeneratorDriverRunResult result, string step)
        => result.Results[0].TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static void AssertStepsUnchanged(GeneratorDriverRunResult result, params string[] steps)
    {
        foreach (string step in steps)
        {
            IncrementalStepRunReason[] reasons = Reasons(result, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {r}"));
        }
    }

    private static void AssertStepsModified(GeneratorDriverRunResult result, params string[] steps)
    {
        foreach (string step in steps) Assert.Contains(IncrementalStepRunReason.Modified, Reasons(result, step));
    }

    private static Func<CSharpCompilation, CSharpCompilation> EditModelFile(Func<string, string> edit) => c =>
    {
        SyntaxTree tree = c.SyntaxTrees.First();
        string edited = edit(tree.ToString());
        Assert.NotEqual(tree.ToString(), edited);
        return c.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, path: tree.FilePath));
    };

    [Fact]
    public void AnotherFileEdited_EveryStepCachedOrUnchanged()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(TestModels.MnistMlp, "class Other { int A => 1; }");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        SyntaxTree other = compilation.SyntaxTrees.Last();
        GeneratorDriverRunResult second = driver.RunGenerators(compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("class Other { int A => 2; }", GeneratorHarness.ParseOptions, path: other.FilePath))).GetRunResult();
        AssertStepsUnchanged(second, AllSteps);
    }

    [Fact]
    public void CodeAppendedBelowTheModel_EveryStepCachedOrUnchanged()
        => AssertStepsUnchanged(RunTwice(TestModels.MnistMlp, EditModelFile(text => text + "\nclass Unrelated { }\n"), out _), AllSteps);

    [Theory]
    [InlineData("// a comment line above the model\n")]
    [InlineData("\n\n    \n")]
    public void TextShiftedAboveTheModel_ParseModifiedButSpecCompileAndOptionsNot(string inserted)
    {
        GeneratorDriverRunResult second = RunTwice(TestModels.MnistMlp, EditModelFile(text => inserted + text), out _);
        AssertStepsModified(second, Parse);   // the location table moved with the text
        AssertStepsUnchanged(second, Spec, Compile, Options);
    }

    [Fact]
    public void CommentInsideForward_OnlyParseModified()
    {
        GeneratorDriverRunResult second = RunTwice(TestModels.MnistMlp,
            EditModelFile(text => text.Replace("var h = Relu(fc1.Forward(x));", "var h = Relu(fc1.Forward(x));   // first layer")), out _);
        AssertStepsModified(second, Parse);   // the spans after the comment moved
        AssertStepsUnchanged(second, Spec, Compile, Options);
    }

    [Fact]
    public void LayerSizeChanged_ParseSpecAndCompileModified()
    {
        GeneratorDriverRunResult second = RunTwice(TestModels.MnistMlp,
            EditModelFile(text => text.Replace("new(256, 128)", "new(256, 64)").Replace("new(128, 10)", "new(64, 10)")), out _);
        AssertStepsModified(second, Parse, Spec, Compile);
        AssertStepsUnchanged(second, Options);
    }

    [Fact]
    public void ForwardBodyChanged_ParseSpecAndCompileModified()
    {
        GeneratorDriverRunResult second = RunTwice(TestModels.MnistMlp,
            EditModelFile(text => text.Replace("h = Relu(fc2.Forward(h));", "h = Tanh(fc2.Forward(h));")), out _);
        AssertStepsModified(second, Parse, Spec, Compile);
        AssertStepsUnchanged(second, Options);
    }

    private static GeneratorDriverRunResult RunWithOptions(TestAnalyzerConfigOptionsProvider first, TestAnalyzerConfigOptionsProvider then)
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(TestModels.MnistMlp);
        GeneratorDriver driver = GeneratorHarness.Driver(first).RunGenerators(compilation);
        return driver.WithUpdatedAnalyzerConfigOptions(then).RunGenerators(compilation).GetRunResult();
    }

    [Fact]
    public void ReportPropertyTurnedOn_OptionsAndCompileModifiedParseAndSpecCached()
    {
        GeneratorDriverRunResult second = RunWithOptions(new TestAnalyzerConfigOptionsProvider(), new TestAnalyzerConfigOptionsProvider(("ModelGenReport", "true")));
        AssertStepsModified(second, Options, Compile);
        AssertStepsUnchanged(second, Parse, Spec);
        Assert.Single(second.Diagnostics, d => d.Id == "MG2001");
    }

    [Fact]
    public void UnrelatedPropertyChanged_EveryStepCachedOrUnchanged()
    {
        GeneratorDriverRunResult second = RunWithOptions(
            new TestAnalyzerConfigOptionsProvider(("ModelGenReport", "true"), ("RootNamespace", "A")),
            new TestAnalyzerConfigOptionsProvider(("ModelGenReport", "True"), ("RootNamespace", "B")));
        AssertStepsUnchanged(second, AllSteps);
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
