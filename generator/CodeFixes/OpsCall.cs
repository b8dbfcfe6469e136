using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.CodeFixes
{
    /// <summary>
    /// Finding the <c>ModelGen.Ops</c> call a diagnostic points at. The fixes match calls by what they bind to, so
    /// <c>Softmax(x)</c> under <c>using static ModelGen.Ops</c>, <c>Ops.Softmax(x)</c> and <c>ModelGen.Ops.Softmax(x)</c>
    /// are all found, and a user method that happens to be called Softmax is not.
    /// </summary>
    internal static class OpsCall
    {
        private const string OpsTypeName = "ModelGen.Ops";

        /// <summary>The invocation whose span is the diagnostic's span (innermost on a tie, so not its ArgumentSyntax).</summary>
        public static async Task<InvocationExpressionSyntax?> AtDiagnosticAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root == null || context.Span.End > root.FullSpan.End) return null;
            return root.FindNode(context.Span, getInnermostNodeForTie: true) as InvocationExpressionSyntax;
        }

        /// <summary>Whether <paramref name="call"/> binds to one of the named methods of ModelGen.Ops.</summary>
        public static bool Is(SemanticModel model, ExpressionSyntax? call, CancellationToken cancellation, params string[] names)
        {
            if (!(call is InvocationExpressionSyntax invocation)) return false;
            if (!(model.GetSymbolInfo(invocation, cancellation).Symbol is IMethodSymbol method)) return false;
            return method.ContainingType?.ToDisplayString() == OpsTypeName && names.Contains(method.Name);
        }

        /// <summary>The token naming the called method: <c>Softmax</c> in <c>Softmax(x)</c>, <c>Ops.Softmax(x)</c> or <c>ModelGen.Ops.Softmax(x)</c>.</summary>
        public static SyntaxToken? MethodName(InvocationExpressionSyntax invocation) => invocation.Expression switch
        {
            IdentifierNameSyntax name => name.Identifier,
            MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name } => name.Identifier,
            _ => null,
        };
    }
}
