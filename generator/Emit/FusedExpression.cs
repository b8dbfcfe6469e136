using System.Collections.Generic;
using System.Linq;
using System.Text;
using ModelGen.Generator.Common;
using ModelGen.Generator.Ops;

namespace ModelGen.Generator.Emit
{
    /// <summary>
    /// The expression of a fused elementwise node, kept in its Geometry as a postfix program: an entry i &gt;= 0 pushes
    /// operand i (the node's input i), an entry −(1 + kind) applies that elementwise operator to the top of the stack.
    /// Composing the operators' <see cref="ElementwiseTemplate"/>s gives the one loop body the emitter writes.
    /// </summary>
    internal static class FusedExpression
    {
        /// <summary>The most operands one fused loop takes (<see cref="ElementwiseKernels.OperandNames"/>).</summary>
        public const int MaxOperands = 8;

        public static int Encode(OpKind op) => -1 - (int)op;

        public static OpKind Decode(int entry) => (OpKind)(-1 - entry);

        /// <summary>The loop body of the operator, or null when it is not an elementwise loop.</summary>
        public static ElementwiseTemplate? TemplateOf(OpKind op) => (OperatorTable.Of(op) as IElementwiseOperator)?.Template;

        /// <summary>True when the program is well formed: known loop operators, operands in range, one value left.</summary>
        public static bool Validate(EquatableArray<int> program, int operands)
        {
            int depth = 0;
            foreach (int entry in program)
            {
                if (entry >= 0)
                {
                    if (entry >= operands) return false;
                    depth++;
                    continue;
                }
                ElementwiseTemplate? t = TemplateOf(Decode(entry));
                if (t == null || depth < t.Arity) return false;
                depth -= t.Arity - 1;
            }
            return depth == 1;
        }

        /// <summary>"relu_grad($0 + $1, $2)": the program as printed IR.</summary>
        public static string Print(EquatableArray<int> program)
            => Fold(program, i => "$" + i, (op, args) =>
            {
                var binary = OperatorTable.Of(op) as BinaryOp;
                return binary != null ? "(" + args[0] + " " + binary.Symbol + " " + args[1] + ")" : OperatorTable.Of(op).Name + "(" + string.Join(", ", args) + ")";
            });

        /// <summary>The composed vector and scalar templates over operands {a}, {b}, {c}, … for <see cref="ElementwiseKernels"/>.</summary>
        public static ElementwiseTemplate Compose(EquatableArray<int> program, int operands)
        {
            string vector = Fold(program, Operand, (op, args) => Substitute(TemplateOf(op)!.Vector, args));
            string scalar = Fold(program, Operand, (op, args) => Substitute(TemplateOf(op)!.Scalar, args));
            return new ElementwiseTemplate(vector, scalar, operands);
        }

        public static string Operand(int index) => "{" + ElementwiseKernels.OperandNames[index] + "}";

        private static string Fold(EquatableArray<int> program, System.Func<int, string> operand, System.Func<OpKind, string[], string> apply)
        {
            var stack = new Stack<string>();
            foreach (int entry in program)
            {
                if (entry >= 0) { stack.Push(operand(entry)); continue; }
                OpKind op = Decode(entry);
                var args = new string[TemplateOf(op)!.Arity];
                for (int i = args.Length - 1; i >= 0; i--) args[i] = stack.Pop();
                stack.Push(apply(op, args));
            }
            return stack.Pop();
        }

        /// <summary>Replaces {a} and {b} in one pass (so an argument's own placeholders stay), parenthesising compound arguments.</summary>
        private static string Substitute(string template, string[] args)
        {
            var text = new StringBuilder();
            for (int i = 0; i < template.Length; i++)
            {
                if (template[i] == '{' && i + 2 < template.Length && template[i + 2] == '}' && (template[i + 1] == 'a' || template[i + 1] == 'b'))
                {
                    string arg = args[template[i + 1] - 'a'];
                    text.Append(IsOperand(arg) ? arg : "(" + arg + ")");
                    i += 2;
                }
                else
                {
                    text.Append(template[i]);
                }
            }
            return text.ToString();
        }

        private static bool IsOperand(string text) => text.Length == 3 && text[0] == '{' && text[2] == '}';
    }
}
