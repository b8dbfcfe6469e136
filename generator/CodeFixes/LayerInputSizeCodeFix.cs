using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.CodeFixes
{
    /// <summary>
    /// MG0001 (a Linear's input size) and MG0009 (a Conv2d's input channels): sets the layer's declared input size to
    /// what it receives, e.g. "Set fc2's input size to 256" rewrites <c>new(512, 128)</c> as <c>new(256, 128)</c>.
    /// The diagnostic sits at the call <c>fc2.Forward(h)</c>; the layer, the constructor parameter and the value come
    /// from the diagnostic's properties (<see cref="LayerArgumentFacts"/>), never from its message. The field may be
    /// declared in another file of a partial class, so the fix changes the solution.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LayerInputSizeCodeFix)), Shared]
    public sealed class LayerInputSizeCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG0001", "MG0009");

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <summary>The title the fix shows, e.g. "Set fc2's input size to 256".</summary>
        public static string Title(string layer, string argument, string value) => argument switch
        {
            "inFeatures" => $"Set {layer}'s input size to {value}",
            "inChannels" => $"Set {layer}'s input channels to {value}",
            _ => $"Set {layer}'s {argument} to {value}",
        };

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || model == null || context.Span.End > root.FullSpan.End) return;
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                // Only diagnostics that carry the facts have this fix (MG0009 has it for a convolution's channels alone).
                if (!diagnostic.Properties.TryGetValue(LayerArgumentFacts.Layer, out string? layer) || layer == null
                    || !diagnostic.Properties.TryGetValue(LayerArgumentFacts.Argument, out string? argument) || argument == null
                    || !diagnostic.Properties.TryGetValue(LayerArgumentFacts.Value, out string? value)
                    || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int size))
                    continue;
                SyntaxNode call = root.FindNode(context.Span, getInnermostNodeForTie: true);
                if (!(model.GetEnclosingSymbol(call.SpanStart, context.CancellationToken)?.ContainingType is INamedTypeSymbol modelType)) continue;
                IFieldSymbol? field = modelType.GetMembers(layer).OfType<IFieldSymbol>().FirstOrDefault();
                if (!(field?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) is VariableDeclaratorSyntax declarator)) continue;
                Document? declaringDocument = context.Document.Project.Solution.GetDocument(declarator.SyntaxTree);
                if (declaringDocument == null) continue;
                ExpressionSyntax? current = await ArgumentAsync(declaringDocument, declarator, argument, context.CancellationToken).ConfigureAwait(false);
                if (current == null) continue;

                context.RegisterCodeFix(
                    CodeAction.Create(Title(layer, argument, value!), ct => SetAsync(declaringDocument, current, size, ct), equivalenceKey: nameof(LayerInputSizeCodeFix)),
                    diagnostic);
            }
        }

        /// <summary>
        /// The expression passed for <paramref name="parameter"/> in the field's initialiser, positional or named, with
        /// <c>new(…)</c> or <c>new Linear(…)</c>; null when the initialiser does not pass it explicitly.
        /// </summary>
        private static async Task<ExpressionSyntax?> ArgumentAsync(Document document, VariableDeclaratorSyntax declarator, string parameter, CancellationToken cancellation)
        {
            if (declarator.Initializer == null) return null;
            SemanticModel? model = await document.GetSemanticModelAsync(cancellation).ConfigureAwait(false);
            if (!(model?.GetOperation(declarator.Initializer.Value, cancellation) is IObjectCreationOperation creation)) return null;
            IArgumentOperation? passed = creation.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameter && a.ArgumentKind == ArgumentKind.Explicit);
            return (passed?.Syntax as ArgumentSyntax)?.Expression;
        }

        private static async Task<Document> SetAsync(Document document, ExpressionSyntax current, int size, CancellationToken cancellation)
        {
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false))!;
            ExpressionSyntax literal = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(size))
                .WithTriviaFrom(current);
            return document.WithSyntaxRoot(root.ReplaceNode(current, literal));
        }
    }
}
