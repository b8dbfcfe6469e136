using Microsoft.CodeAnalysis;
using ModelGen.Generator;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// The emitted source and the printed IR before and after each pass, for the sample models, against checked-in
/// files (UPDATE_SNAPSHOTS=1 rewrites them), with and without fusion. The verifier runs after every pass.
/// </summary>
public class SnapshotTests
{
    public static TheoryData<string> Models => new() { nameof(TestModels.MnistMlp), nameof(TestModels.Regressor), nameof(TestModels.LeNet5), nameof(TestModels.ComposedNet) };

    private static string Source(string model) => model switch
    {
        nameof(TestModels.MnistMlp) => TestModels.MnistMlp,
        nameof(TestModels.LeNet5) => TestModels.LeNet5,
        nameof(TestModels.ComposedNet) => TestModels.ComposedNet,
        _ => TestModels.Regressor,
    };

    internal static ModelSpec SpecOf(string source)
    {
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(GeneratorHarness.Compilation(source));
        return (ModelSpec)driver.GetRunResult().Results[0].TrackedSteps[ModelGenerator.SpecStep][0].Outputs[0].Value;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EmittedSource_MatchesSnapshot(string model)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Source(model));
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationErrors);
        // A composed model's blocks get sources of their own (Parameters(), Layers()); the model's is the snapshot.
        Snapshot.Match(Assert.Single(result.Sources, s => s.Value.Contains("partial class " + model + " ")).Value, model + ".g.cs");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PrintedGraph_EachPass_MatchesSnapshot(string model)
    {
        ModelSpec spec = SpecOf(Source(model));
        var (traced, errors) = GraphTracer.Trace(spec, default);
        Assert.Empty(errors);
        GraphVerifier.Verify(traced!);
        var text = new System.Text.StringBuilder();
        text.Append("== traced\n").Append(GraphPrinter.Print(traced!)).Append('\n');

        // Every pass of Pipeline.cs in order (the pipeline verifies each result); a pass that changed nothing says so.
        Graph previous = traced!;
        CompiledGraphs compiled = Pipeline.Run(traced!, default, (name, graph) =>
        {
            if (name.StartsWith("training: ", StringComparison.Ordinal)) previous = traced!;
            text.Append("== ").Append(name).Append('\n');
            text.Append(Equals(graph, previous) ? "(unchanged)\n" : GraphPrinter.Print(graph)).Append('\n');
            previous = graph;
        });
        const PassSwitch withoutFusion = PassSwitch.All & ~PassSwitch.Fusion;
        text.Append("== inference, planned\n").Append(GraphPrinter.Print(compiled.Inference, compiled.InferencePlan)).Append('\n');
        text.Append("== inference without fusion, planned\n").Append(GraphPrinter.Print(compiled.Forward.For(withoutFusion), compiled.Forward.PlanFor(withoutFusion))).Append('\n');
        text.Append("== training, planned\n").Append(GraphPrinter.Print(compiled.Training!, compiled.TrainingPlan)).Append('\n');
        text.Append("== training without fusion, planned\n").Append(GraphPrinter.Print(compiled.TrainingSchedules!.For(withoutFusion), compiled.TrainingSchedules.PlanFor(withoutFusion))).Append('\n');
        // Which switch settings compile to a schedule of their own (named by the passes it leaves out).
        text.Append("== schedules\n");
        text.Append("forward: ").Append(string.Join(", ", compiled.Forward.Representatives.Select(DescribeSetting))).Append('\n');
        text.Append("training: ").Append(string.Join(", ", compiled.TrainingSchedules.Representatives.Select(DescribeSetting)));
        Snapshot.Match(text.ToString(), model + ".passes");
    }

    private static string DescribeSetting(PassSwitch enabled)
        => enabled == PassSwitch.All ? "all passes" : "without " + PassSwitches.NameOfDisabled(enabled);

    [Fact]
    public void Dot_MnistMlp_MatchesSnapshot()
    {
        var (traced, _) = GraphTracer.Trace(SpecOf(TestModels.MnistMlp), default);
        Snapshot.Match(GraphPrinter.ToDot(traced!), "MnistMlp.dot");
    }
}
