using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Tests.Generator;

/// <summary>
/// Mid-edit versions of model sources, as an IDE hands them to the generator: truncated at a token, a line deleted or
/// doubled, arguments swapped, identifiers renamed (to keywords with '@' and to names generated code uses), literals
/// replaced, [Shape] arguments made wrong, the whole wrapped in a namespace. Seeded: the same seed, the same sources.
/// </summary>
public sealed class SourceMutator(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Names a user may pick that generated code also uses, or once used unqualified, and keywords escaped.</summary>
    public static readonly string[] Names =
    {
        "@event", "@class", "@int", "@return", "@params", "seed", "rng", "b", "d", "a", "r", "B", "Tensor", "Unsafe", "MathF",
        "Gemm", "Graph", "System", "IModel", "Span", "Vector512", "loss", "optimizer", "parameters", "layers", "MaxBatch",
        "_model", "_p0", "_f0", "_output", "Compiled", "Parameters", "Layers", "Initialize", "Compile", "options", "model", "x", "value",
    };

    private static readonly string[] Literals = { "0", "-1", "2147483647", "1e30f", "\"s\"", "0.5f", "-3" };

    private static readonly string[] ShapeArguments =
    {
        "(\"B\")", "()", "(\"B\", 0)", "(\"B\", \"C\", 3)", "(4, \"B\")", "(\"B\", -1)", "(null)", "(\"B\", 4, 4, 4, 4, 4)", "(\"seed\", 4)", "(\"B\", 2147483647)",
    };

    /// <summary>One to three mutations of <paramref name="source"/>.</summary>
    public string Mutate(string source)
    {
        int count = 1 + _random.Next(3);
        for (int i = 0; i < count; i++) source = MutateOnce(source);
        return source;
    }

    private string MutateOnce(string source)
    {
        switch (_random.Next(9))
        {
            case 0: return Truncate(source);
            case 1: return EditLine(source, delete: true);
            case 2: return EditLine(source, delete: false);
            case 3: return SwapArguments(source);
            case 4: return Rename(source);
            case 5: return ReplaceLiteral(source);
            case 6: return WrongShape(source);
            case 7: return Wrap(source);
            default: return Rename(source);
        }
    }

    private static SyntaxNode Root(string source) => CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private string Truncate(string source)
    {
        var tokens = Root(source).DescendantTokens().ToList();
        return tokens.Count == 0 ? source : source.Substring(0, Pick(tokens).Span.End);
    }

    private string EditLine(string source, bool delete)
    {
        var lines = source.Split('\n').ToList();
        int i = _random.Next(lines.Count);
        if (delete) lines.RemoveAt(i);
        else lines.Insert(i, lines[i]);
        return string.Join("\n", lines);
    }

    private string SwapArguments(string source)
    {
        var lists = Root(source).DescendantNodes().OfType<BaseArgumentListSyntax>().Where(l => l.Arguments.Count >= 2).ToList();
        if (lists.Count == 0) return Rename(source);
        var list = Pick(lists);
        int i = _random.Next(list.Arguments.Count - 1);
        TextSpanPair(list.Arguments[i].Span, list.Arguments[i + 1].Span, out var first, out var second);
        return source.Substring(0, first.Start) + source.Substring(second.Start, second.Length)
               + source.Substring(first.End, second.Start - first.End) + source.Substring(first.Start, first.Length) + source.Substring(second.End);
    }

    private static void TextSpanPair(Microsoft.CodeAnalysis.Text.TextSpan a, Microsoft.CodeAnalysis.Text.TextSpan b,
        out Microsoft.CodeAnalysis.Text.TextSpan first, out Microsoft.CodeAnalysis.Text.TextSpan second)
    {
        first = a.Start < b.Start ? a : b;
        second = a.Start < b.Start ? b : a;
    }

    /// <summary>Every occurrence of one identifier (a field, parameter, local, class) renamed, as a rename refactoring would.</summary>
    private string Rename(string source)
    {
        var identifiers = Root(source).DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText)
            .Where(n => n != "Model" && n != "Module" && n != "Shape" && n != "Loss").Distinct().ToList();
        if (identifiers.Count == 0) return source;
        string from = Pick(identifiers), to = Pick(Names);
        var root = Root(source);
        var text = new System.Text.StringBuilder(source);
        foreach (SyntaxToken token in root.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == from).Reverse())
            text.Remove(token.SpanStart, token.Span.Length).Insert(token.SpanStart, to);
        return text.ToString();
    }

    private string ReplaceLiteral(string source)
    {
        var literals = Root(source).DescendantTokens().Where(t => t.IsKind(SyntaxKind.NumericLiteralToken) || t.IsKind(SyntaxKind.StringLiteralToken)).ToList();
        if (literals.Count == 0) return Rename(source);
        var token = Pick(literals);
        return source.Substring(0, token.SpanStart) + Pick(Literals) + source.Substring(token.Span.End);
    }

    private string WrongShape(string source)
    {
        var shapes = Root(source).DescendantNodes().OfType<AttributeSyntax>().Where(a => a.Name.ToString() == "Shape").ToList();
        if (shapes.Count == 0) return ReplaceLiteral(source);
        var shape = Pick(shapes);
        var span = shape.ArgumentList?.Span ?? new Microsoft.CodeAnalysis.Text.TextSpan(shape.Span.End, 0);
        return source.Substring(0, span.Start) + Pick(ShapeArguments) + source.Substring(span.End);
    }

    /// <summary>The model wrapped in a namespace, a block-scoped one (after the usings) or one named as generated code's.</summary>
    private string Wrap(string source)
    {
        int start = source.LastIndexOf("using static ModelGen.Ops;", StringComparison.Ordinal);
        start = start < 0 ? 0 : source.IndexOf('\n', start) + 1;
        if (source.Contains("namespace ", StringComparison.Ordinal)) return Rename(source);
        string name = Pick(new[] { "Fuzz", "Fuzz.@event", "System.Models", "ModelGen.User", "Graph", "N.@class" });
        return source.Substring(0, start) + "namespace " + name + "\n{\n" + source.Substring(start) + "\n}\n";
    }

    /// <summary>
    /// The seed corpus: the test models (TestModels constants, the models and blocks of tests/ and samples/, as
    /// declared there) and every complete model written as a string in the generator's tests.
    /// </summary>
    public static IReadOnlyList<string> Corpus([CallerFilePath] string callerFile = "")
    {
        string root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", ".."));
        var sources = new List<string> { TestModels.MnistMlp, TestModels.LeNet5, TestModels.Regressor, TestModels.ComposedNet };
        foreach (string dir in new[] { Path.Combine(root, "tests"), Path.Combine(root, "samples") })
        {
            foreach (string file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/") && !f.Contains("/bin/")).OrderBy(f => f, StringComparer.Ordinal))
            {
                SyntaxNode tree = Root(File.ReadAllText(file));
                // Models and blocks declared in the file: each model with the blocks of its file that it names.
                var types = tree.DescendantNodes().OfType<ClassDeclarationSyntax>().Where(c => HasAttribute(c, "Model") || HasAttribute(c, "Module")).ToList();
                var blocks = types.Where(t => HasAttribute(t, "Module")).ToList();
                foreach (var model in types.Where(t => HasAttribute(t, "Model")))
                    sources.Add(GeneratorHarness.Usings + "using System;\nusing System.Linq;\n" + string.Concat(Used(model, blocks).Select(t => t.ToFullString())) + model.ToFullString());
                // Models written as strings in tests (diagnostic cases, corpora), with their span markers removed.
                foreach (var literal in tree.DescendantTokens().Where(t => t.IsKind(SyntaxKind.StringLiteralToken) || t.IsKind(SyntaxKind.MultiLineRawStringLiteralToken) || t.IsKind(SyntaxKind.SingleLineRawStringLiteralToken)))
                {
                    string value = literal.ValueText;
                    if (value.Contains("[Model]", StringComparison.Ordinal) && value.Contains("Forward", StringComparison.Ordinal))
                        sources.Add((value.Contains("using ModelGen;", StringComparison.Ordinal) ? "" : GeneratorHarness.Usings) + value.Replace("[|", "").Replace("|]", ""));
                }
            }
        }
        return sources.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The blocks a type names, and the blocks they name, in declaration order.</summary>
    private static IEnumerable<ClassDeclarationSyntax> Used(ClassDeclarationSyntax type, List<ClassDeclarationSyntax> blocks)
    {
        var used = new HashSet<ClassDeclarationSyntax>();
        var pending = new Stack<ClassDeclarationSyntax>(new[] { type });
        while (pending.Count > 0)
        {
            var names = pending.Pop().DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText).ToHashSet();
            foreach (var block in blocks.Where(b => names.Contains(b.Identifier.ValueText) && used.Add(b))) pending.Push(block);
        }
        return blocks.Where(used.Contains);
    }

    private static bool HasAttribute(ClassDeclarationSyntax type, string name)
        => type.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() == name || a.Name.ToString() == name + "Attribute");
}
