using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.CodeFixes
{
    /// <summary>
    /// MG1001 and MG1002: removes the squashing call (Softmax or LogSoftmax before CrossEntropy, Sigmoid before
    /// BCEWithLogits) so the loss receives the logits. Both lints point at the squashing call itself, wherever it is:
    /// inline in the loss (<c>CrossEntropy(Softmax(z), y)</c>) or at the end of Forward (<c>return Softmax(head.Forward(h))</c>),
    /// so the fix is the same in both places: the call is replaced by its argument.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PassLogitsCodeFix)), Shared]
    public sealed class PassLogitsCodeFix : CodeFixProvider
    {
        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG1001", "MG1002");

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <summary>The title the fix shows, e.g. "Remove Softmax: CrossEntropy takes the logits".</summary>
        public static string Title(string squash, string loss) => $"Remove {squash}: {loss} takes the logits";

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            InvocationExpressionSyntax? squash = await OpsCall.AtDiagnosticAsync(context).ConfigureAwait(false);
            if (squash == null || squash.ArgumentList.Arguments.Count != 1) return;
            SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (model == null || !(OpsCall.MethodName(squash) is SyntaxToken name)) return;
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                string? loss = diagnostic.Id switch
                {
                    "MG1001" when OpsCall.Is(model, squash, context.CancellationToken, "Softmax", "LogSoftmax") => "CrossEntropy",
                    "MG1002" when OpsCall.Is(model, squash, context.CancellationToken, "Sigmoid") => "BCEWithLogits",
                    _ => null,
                };
                if (loss == null) continue;
                context.RegisterCodeFix(
                    CodeAction.Create(Title(name.ValueText, loss), ct => Unwrap(context.Document, squash, ct), equivalenceKey: nameof(PassLogitsCodeFix) + diagnostic.Id),
                    diagnostic);
            }
        }

        private static async Task<Document> Unwrap(Document document, InvocationExpressionSyntax squash, CancellationToken cancellation)
        {
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false))!;
            ExpressionSyntax logits = squash.ArgumentList.Arguments[0].Expression;
            // The argument stood alone inside the call's parentheses; where the call itself was an operand it keeps them.
            if (NeedsParentheses(logits, squash)) logits = SyntaxFactory.ParenthesizedExpression(logits.WithoutTrivia());
            return document.WithSyntaxRoot(root.ReplaceNode(squash, logits.WithTriviaFrom(squash)));
        }

        private static bool NeedsParentheses(ExpressionSyntax logits, InvocationExpressionSyntax squash)
        {
            bool simple = logits is InvocationExpressionSyntax || logits is IdentifierNameSyntax || logits is MemberAccessExpressionSyntax
                || logits is ParenthesizedExpressionSyntax || logits is ElementAccessExpressionSyntax || logits is LiteralExpressionSyntax;
            bool standsAlone = squash.Parent is ArgumentSyntax || squash.Parent is EqualsValueClauseSyntax || squash.Parent is ReturnStatementSyntax
                || squash.Parent is ArrowExpressionClauseSyntax || squash.Parent is ParenthesizedExpressionSyntax
                || (squash.Parent is AssignmentExpressionSyntax assignment && assignment.Right == squash);
            return !simple && !standsAlone;
        }
    }
}
