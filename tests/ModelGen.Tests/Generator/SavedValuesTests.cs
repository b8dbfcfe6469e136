using System.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;
using ModelGen.Generator.Ops;
using ModelGen.Generator.Passes;
using Xunit;

namespace ModelGen.Tests.Generator;

/// <summary>
/// <see cref="Operator.Saves"/> is a contract: each gradient rule reads from the forward graph exactly the values its
/// operator declares (per rule, and over whole differentiated graphs), so the memory plan keeps no more than the table in
/// docs/operators.md says. The models cover every operator with a gradient rule and both sides of every save that only
/// one input's gradient needs.
/// </summary>
public class SavedValuesTests
{
    public static TheoryData<string> Models => new(SavedValuesModels.All.Keys);

    [Theory]
    [MemberData(nameof(Models))]
    public void EachGradientRule_ReadsExactlyWhatItsOperatorSaves(string model)
    {
        Graph traced = Build(model).Traced;
        bool[] needs = NeedsGradient(traced);
        var failures = new List<string>();
        foreach (Node node in traced.Nodes)
        {
            if (!needs[node.Id] || node.Op == OpKind.Param) continue;
            var read = RuleReads(traced, needs, node).ToHashSet();
            var kept = OperatorTable.Of(node.Op).Saves.Kept(node, id => needs[id]).ToHashSet();
            if (!read.SetEquals(kept))
                failures.Add($"{Describe(traced, node)}: the rule reads [{Ids(read)}] but {node.Op} saves [{Ids(kept)}] ({OperatorTable.Of(node.Op).Saves.Describe()})");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Backward_ReadsNoForwardValueThatNoConsumerSaves(string model)
    {
        var (traced, differentiated) = Build(model);
        var declared = DeclaredKept(traced);
        var undeclared = BackwardReads(traced, differentiated).Where(id => !declared.Contains(id)).ToList();
        Assert.True(undeclared.Count == 0,
            "read by the backward but saved by no consumer:\n" + string.Join("\n", undeclared.Select(id => Describe(traced, traced[id]))));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryDeclaredSave_OfANodeWithAGradient_IsReadByTheBackward(string model)
    {
        var (traced, differentiated) = Build(model);
        var read = BackwardReads(traced, differentiated).ToHashSet();
        var unread = DeclaredKept(traced).Where(id => !read.Contains(id)).ToList();
        Assert.True(unread.Count == 0,
            "saved by a consumer but never read by the backward:\n" + string.Join("\n", unread.Select(id => Describe(traced, traced[id]))));
    }

    [Fact]
    public void Models_ExerciseEveryGradientRule_AndBothSidesOfEveryConditionalSave()
    {
        var ruled = new HashSet<OpKind>();
        var conditional = new HashSet<(OpKind, int, bool)>();
        foreach (string model in SavedValuesModels.All.Keys)
        {
            Graph traced = Build(model).Traced;
            bool[] needs = NeedsGradient(traced);
            foreach (Node node in traced.Nodes.Where(n => needs[n.Id] && n.Op != OpKind.Param))
            {
                ruled.Add(node.Op);
                foreach (SavedValue value in OperatorTable.Of(node.Op).Saves.Values.Where(v => v.ForGradientOf != SavedValues.AnyGradient))
                    conditional.Add((node.Op, value.Input, SavedValues.IsRead(value, node, id => needs[id])));
            }
        }

        var missing = new List<string>();
        foreach (Operator op in OperatorTable.Operators)
        {
            bool hasRule = op.GetType().GetMethod(nameof(Operator.Differentiate))!.DeclaringType != typeof(Operator);
            if (hasRule && !ruled.Contains(op.Kind)) missing.Add($"{op.Kind}: no model differentiates it");
            foreach (SavedValue value in op.Saves.Values.Where(v => v.ForGradientOf != SavedValues.AnyGradient))
            {
                foreach (bool isRead in new[] { true, false })
                {
                    // A convolution's weight (plain or transposed) is always a parameter, so dW is always formed and x always read.
                    if ((op.Kind == OpKind.Conv2d || op.Kind == OpKind.ConvTranspose2d) && value.Input == 0 && !isRead) continue;
                    if (!conditional.Contains((op.Kind, value.Input, isRead)))
                        missing.Add($"{op.Kind}: no model where saved input {value.Input} is {(isRead ? "" : "not ")}read");
                }
            }
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void OperatorsTable_MatchesDocsOperatorsMd()
    {
        string path = Path.Combine(RepositoryRoot(), "docs", "operators.md");
        string actual = RenderOperatorsTable();
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        string expected = File.Exists(path) ? File.ReadAllText(path).Replace("\r\n", "\n") : "";
        if (expected != actual)
            throw new Xunit.Sdk.XunitException($"{path} is out of date (UPDATE_SNAPSHOTS=1 rewrites it):\n{Snapshot.Diff(expected, actual)}");
    }

    [Fact]
    public void Describe_NamesEachSaveAndTheGradientItServes()
    {
        Assert.Equal("nothing", SavedValues.None.Describe());
        Assert.Equal("its output", OperatorTable.Of(OpKind.Relu).Saves.Describe());
        Assert.Equal("inputs 0 and 1 (A for dB, B for dA)", OperatorTable.Of(OpKind.MatMul).Saves.Describe());
        Assert.Equal("input 1 and its output (b, the output for db)", OperatorTable.Of(OpKind.Div).Saves.Describe());
        Assert.Equal("input 0 and its output", OperatorTable.Of(OpKind.MaxPool2d).Saves.Describe());
        Assert.Equal("inputs 0, 1 and 2 (x, min, max)", OperatorTable.Of(OpKind.Clamp).Saves.Describe());
    }

    /// <summary>The markdown of docs/operators.md: every operator users reach by an Ops method, a tensor operator or a layer.</summary>
    internal static string RenderOperatorsTable()
    {
        var text = new StringBuilder();
        text.Append("# Operators and what their backward keeps\n\n");
        text.Append("Generated from the generator's operator table by `SavedValuesTests.OperatorsTable_MatchesDocsOperatorsMd`; run the tests\n");
        text.Append("with `UPDATE_SNAPSHOTS=1` to rewrite it. *Backward keeps* lists the forward values that the operator's gradient rule\n");
        text.Append("reads (`Operator.Saves`): input positions and the operator's own output. The memory plan keeps each of them alive\n");
        text.Append("until the backward has read it, and keeps nothing else for the backward. A value marked *for dX* is read only when\n");
        text.Append("input X needs a gradient; the others whenever a gradient flows through the operator. Parameters, inputs, labels\n");
        text.Append("and constants are listed when read, though they are not activations and live for the whole step anyway.\n");
        text.Append("The tests check every rule against its declaration in both directions.\n\n");
        text.Append("| operator | Ops method or layer | backward keeps |\n");
        text.Append("|---|---|---|\n");
        foreach (Operator op in OperatorTable.Operators)
        {
            var entries = new List<string>();
            if (op.OpsMethod != null) entries.Add($"`Ops.{op.OpsMethod}`");
            if (op is BinaryOp binary) entries.Add($"`a {binary.Symbol} b`");
            if (op is NegOp) entries.Add("`-a`");
            entries.AddRange(OperatorTable.LayerTypes.Where(l => l.Operators.Contains(op.Kind)).Select(l => $"`{l.TypeName}`"));
            if (entries.Count == 0) continue;
            text.Append($"| {op.Name} | {string.Join(", ", entries)} | {op.Saves.Describe()} |\n");
        }
        return text.ToString();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelGen.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("no folder above " + AppContext.BaseDirectory + " holds ModelGen.sln");
    }

    private static readonly Dictionary<string, (Graph Traced, Graph Differentiated)> Built = new();

    private static (Graph Traced, Graph Differentiated) Build(string model)
    {
        lock (Built)
        {
            if (Built.TryGetValue(model, out var graphs)) return graphs;
            var (traced, errors) = GraphTracer.Trace(SnapshotTests.SpecOf(SavedValuesModels.All[model]), default);
            Assert.Empty(errors);
            Assert.True(traced!.Loss >= 0, model + " has no loss");
            // As the pipeline does: batch norm and dropout take their training form before differentiation.
            Graph training = LowerTrainingModes.ForTraining(traced);
            return Built[model] = (training, Differentiate.Run(training, default));
        }
    }

    /// <summary>As Differentiate decides: a value needs a gradient when a parameter flows into it.</summary>
    private static bool[] NeedsGradient(Graph graph)
    {
        var needs = new bool[graph.Count];
        foreach (Node node in graph.Nodes)
            needs[node.Id] = node.Op == OpKind.Param || node.Inputs.Any(i => needs[i]);
        return needs;
    }

    /// <summary>The forward values that one node's gradient rule reads, run alone with a stand-in output gradient.</summary>
    private static IEnumerable<int> RuleReads(Graph traced, bool[] needs, Node node)
    {
        var builder = new GraphBuilder(traced);
        var gradients = new GradientBuilder(builder, needs);
        int outputGradient = builder.Add(new Node(-1, OpKind.Input, EquatableArray<int>.Empty, node.Shape, -1) { Name = "dY" });
        int first = builder.Nodes.Count;
        OperatorTable.Of(node.Op).Differentiate(gradients, node, outputGradient);
        return builder.Nodes.Skip(first).SelectMany(n => n.Inputs).Where(id => id < traced.Count).Distinct();
    }

    /// <summary>Forward values (ids below the traced count) that some backward node of the differentiated graph reads.</summary>
    private static IEnumerable<int> BackwardReads(Graph traced, Graph differentiated)
        => differentiated.Nodes.Skip(traced.Count).SelectMany(n => n.Inputs).Where(id => id < traced.Count).Distinct();

    /// <summary>
    /// The union of what the consumers that receive a gradient declare they keep. A node receives one when it is the loss
    /// or an input that needs a gradient of a node that receives one (every rule passes a gradient to each such input).
    /// </summary>
    private static HashSet<int> DeclaredKept(Graph traced)
    {
        bool[] needs = NeedsGradient(traced);
        var receives = new bool[traced.Count];
        receives[traced.Loss] = true;
        var kept = new HashSet<int>();
        for (int id = traced.Loss; id >= 0; id--)
        {
            if (!receives[id]) continue;
            Node node = traced[id];
            foreach (int input in node.Inputs) receives[input] |= needs[input];
            kept.UnionWith(OperatorTable.Of(node.Op).Saves.Kept(node, i => needs[i]));
        }
        return kept;
    }

    private static string Ids(IEnumerable<int> ids) => string.Join(", ", ids.OrderBy(i => i));

    private static string Describe(Graph graph, Node node)
        => $"%{node.Id} {OperatorTable.Of(node.Op).Name}{(node.Layer.Length > 0 ? " (" + node.Layer + ")" : "")}{(node.Name.Length > 0 ? " '" + node.Name + "'" : "")}";
}
