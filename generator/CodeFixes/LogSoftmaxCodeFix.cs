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
    /// MG1003: rewrites <c>Log(Softmax(x))</c> as <c>LogSoftmax(x)</c>, keeping Softmax's arguments and how it was
    /// qualified (<c>Ops.Log(Ops.Softmax(x))</c> becomes <c>Ops.LogSoftmax(x)</c>).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LogSoftmaxCodeFix)), Shared]
    public sealed class LogSoftmaxCodeFix : CodeFixProvider
    {
        /// <summary>The title the fix shows.</summary>
        public const string Title = "Use LogSoftmax(x)";

        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create("MG1003");

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            InvocationExpressionSyntax? log = await OpsCall.AtDiagnosticAsync(context).ConfigureAwait(false);
            if (log == null || log.ArgumentList.Arguments.Count != 1) return;
            SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (model == null) return;
            // The lint fires on the graph, where the Softmax may come through a local; only the nested call is rewritten.
            if (!(log.ArgumentList.Arguments[0].Expression is InvocationExpressionSyntax softmax)) return;
            if (!OpsCall.Is(model, log, context.CancellationToken, "Log") || !OpsCall.Is(model, softmax, context.CancellationToken, "Softmax")) return;
            if (!(OpsCall.MethodName(softmax) is SyntaxToken name)) return;

            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => Rewrite(context.Document, log, softmax, name, ct), equivalenceKey: nameof(LogSoftmaxCodeFix)),
                context.Diagnostics);
        }

        private static async Task<Document> Rewrite(Document document, InvocationExpressionSyntax log, InvocationExpressionSyntax softmax, SyntaxToken name, CancellationToken cancellation)
        {
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false))!;
            InvocationExpressionSyntax logSoftmax = softmax
                .ReplaceToken(name, SyntaxFactory.Identifier(name.LeadingTrivia, "LogSoftmax", name.TrailingTrivia))
                .WithTriviaFrom(log);
            return document.WithSyntaxRoot(root.ReplaceNode(log, logSoftmax));
        }
    }
}
