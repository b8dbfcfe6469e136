using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing
{
    /// <summary>
    /// Loops in traced methods. The graph is traced once, so a loop is traced only when its iterations are known at
    /// build time: <c>for (int i = a; i &lt; b; i++)</c> with bounds known at build time is unrolled, its counter
    /// reading as the constant of each iteration; <c>foreach</c> over a layer list is unrolled per element
    /// (ModelParser.Inlining.cs). Every other loop is MG0010.
    /// </summary>
    internal sealed partial class ModelParser
    {
        /// <summary>More iterations than this are almost surely a mistake, and would make the generated code huge.</summary>
        private const int MaxUnrolledIterations = 64;

        private void Unroll(ForStatementSyntax loop, List<StmtSpec> into)
        {
            if (!TryConstantBounds(loop, out ILocalSymbol? counter, out int start, out int end))
            {
                Report(DiagnosticDescriptors.LoopNotTraceable, loop, _methodName,
                    "its iterations are not known at build time (only 'for (int i = a; i < b; i++)' with constant a and b is unrolled)");
                return;
            }
            if (AssignsTo(loop.Statement, counter!))
            {
                Report(DiagnosticDescriptors.LoopNotTraceable, loop, _methodName, $"its body changes the counter '{counter!.Name}', so the iterations are not known at build time");
                return;
            }
            if (end - start > MaxUnrolledIterations)
            {
                Report(DiagnosticDescriptors.LoopNotTraceable, loop, _methodName,
                    $"it runs {end - start} times, more than the {MaxUnrolledIterations} iterations the tracer unrolls");
                return;
            }
            int errorsBefore = _diagnostics.Count;
            for (int value = start; value < end && _diagnostics.Count == errorsBefore; value++)
            {
                _frame.Constants[counter!] = value; // the counter reads as this iteration's constant
                ParseStatement(loop.Statement, into);
            }
            _frame.Constants.Remove(counter!);
        }

        /// <summary><c>for (int i = a; i &lt; b; i++)</c> (or <c>i &lt;= b</c>, <c>++i</c>, <c>i += 1</c>) with constant int a and b.</summary>
        private bool TryConstantBounds(ForStatementSyntax loop, out ILocalSymbol? counter, out int start, out int end)
        {
            counter = null;
            start = end = 0;
            if (loop.Declaration == null || loop.Declaration.Variables.Count != 1 || loop.Initializers.Count != 0 || loop.Incrementors.Count != 1) return false;
            VariableDeclaratorSyntax variable = loop.Declaration.Variables[0];
            counter = _model.GetDeclaredSymbol(variable, _cancellation) as ILocalSymbol;
            if (counter == null || counter.Type.SpecialType != SpecialType.System_Int32 || variable.Initializer == null) return false;
            if (!(ConstantInt(variable.Initializer.Value) is int first)) return false;
            if (!(loop.Condition is BinaryExpressionSyntax condition) || !IsCounter(condition.Left, counter) || !(ConstantInt(condition.Right) is int bound)) return false;
            if (!IsIncrementByOne(loop.Incrementors[0], counter)) return false;
            start = first;
            if (condition.IsKind(SyntaxKind.LessThanExpression)) end = bound;
            else if (condition.IsKind(SyntaxKind.LessThanOrEqualExpression) && bound < int.MaxValue) end = bound + 1;
            else return false;
            end = System.Math.Max(start, end);
            return true;
        }

        /// <summary>An int known at build time: a constant, or arithmetic over bound numbers, block fields and list lengths (<c>blocks.Length</c>).</summary>
        private int? ConstantInt(ExpressionSyntax expression)
            => TryEvaluate(_model.GetOperation(expression, _cancellation), _frame.Constants, _frame.Instance, out double value)
               && value == System.Math.Floor(value) && value >= int.MinValue && value <= int.MaxValue
                ? (int)value : (int?)null;

        private bool IsCounter(ExpressionSyntax expression, ILocalSymbol counter)
            => expression is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(_model.GetSymbolInfo(expression, _cancellation).Symbol, counter);

        private bool IsIncrementByOne(ExpressionSyntax incrementor, ILocalSymbol counter)
        {
            switch (incrementor)
            {
                case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression):
                    return IsCounter(postfix.Operand, counter);
                case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression):
                    return IsCounter(prefix.Operand, counter);
                case AssignmentExpressionSyntax add when add.IsKind(SyntaxKind.AddAssignmentExpression):
                    return IsCounter(add.Left, counter) && ConstantInt(add.Right) == 1;
                default:
                    return false;
            }
        }

        /// <summary>Whether <paramref name="body"/> assigns, increments or decrements the counter.</summary>
        private bool AssignsTo(StatementSyntax body, ILocalSymbol counter)
            => body.DescendantNodes().Any(node => node switch
            {
                AssignmentExpressionSyntax assignment => IsCounter(assignment.Left, counter),
                PostfixUnaryExpressionSyntax postfix => IsCounter(postfix.Operand, counter),
                PrefixUnaryExpressionSyntax prefix => (prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression))
                                                      && IsCounter(prefix.Operand, counter),
                _ => false,
            });
    }
}
