using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace ModelGen.Generator.Parsing
{
    /// <summary>
    /// Build-time arithmetic over constructor arguments, loop counters and helper arguments: what lets a block be
    /// constructed as <c>new BasicBlock(16)</c> and size its layers from <c>channels</c>.
    /// </summary>
    internal sealed partial class ModelParser
    {
        /// <summary>
        /// The value of <paramref name="operation"/> if it is known at build time: a constant, a bound parameter or
        /// local (<paramref name="bound"/>), a constant field of <paramref name="self"/>, an array field's Length, and
        /// arithmetic, comparisons and conditionals over those. Int arithmetic truncates as C# does.
        /// </summary>
        private bool TryEvaluate(IOperation? operation, IReadOnlyDictionary<ISymbol, double> bound, ModuleInstance? self, out double value)
        {
            value = 0;
            if (operation == null) return false;
            if (operation.ConstantValue.HasValue) return TryNumber(operation.ConstantValue.Value, out value);
            switch (operation)
            {
                case IConversionOperation conversion:
                    if (!TryEvaluate(conversion.Operand, bound, self, out value)) return false;
                    if (IsIntegral(conversion.Type)) value = Math.Truncate(value);
                    return true;
                case IParenthesizedOperation parenthesized:
                    return TryEvaluate(parenthesized.Operand, bound, self, out value);
                case IParameterReferenceOperation parameter:
                    return bound.TryGetValue(parameter.Parameter, out value);
                case ILocalReferenceOperation local:
                    return bound.TryGetValue(local.Local, out value);
                case IFieldReferenceOperation field when field.Instance == null || field.Instance is IInstanceReferenceOperation:
                    if (self != null && self.Members.TryGetValue(field.Field.Name, out Member? member) && member is ConstantMember constant)
                    {
                        value = constant.Value;
                        return true;
                    }
                    return false;
                case IPropertyReferenceOperation { Property: { Name: "Length" } } length when length.Instance != null:
                    if (ResolveMember(length.Instance, self, null) is ListMember list)
                    {
                        value = list.Elements.Count;
                        return true;
                    }
                    return false;
                case IUnaryOperation unary:
                    if (!TryEvaluate(unary.Operand, bound, self, out double operand)) return false;
                    switch (unary.OperatorKind)
                    {
                        case UnaryOperatorKind.Minus: value = -operand; return true;
                        case UnaryOperatorKind.Plus: value = operand; return true;
                        case UnaryOperatorKind.Not: value = operand == 0 ? 1 : 0; return true;
                        default: return false;
                    }
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } presence
                        when IsNullLiteral(presence.RightOperand) && Unconverted(presence.LeftOperand).Type is { } held && HoldsParameters(held):
                    // 'shortcut != null' on an optional layer or block ('Conv2d? shortcut'): whether the constructor made it.
                    bool present = ResolveMember(presence.LeftOperand, self, null) != null;
                    value = present == (presence.OperatorKind == BinaryOperatorKind.NotEquals) ? 1 : 0;
                    return true;
                case IBinaryOperation binary:
                    return TryEvaluate(binary.LeftOperand, bound, self, out double left)
                        && TryEvaluate(binary.RightOperand, bound, self, out double right)
                        && TryBinary(binary.OperatorKind, left, right, IsIntegral(binary.Type), out value);
                case IConditionalOperation conditional when conditional.WhenFalse != null:
                    return TryEvaluate(conditional.Condition, bound, self, out double condition)
                        && TryEvaluate(condition != 0 ? conditional.WhenTrue : conditional.WhenFalse, bound, self, out value);
                default:
                    return false;
            }
        }

        private static IOperation Unconverted(IOperation operation)
        {
            while (operation is IConversionOperation conversion) operation = conversion.Operand;
            return operation;
        }

        private static bool IsNullLiteral(IOperation operation)
        {
            while (operation is IConversionOperation conversion) operation = conversion.Operand;
            return operation.ConstantValue.HasValue && operation.ConstantValue.Value == null;
        }

        private static bool TryBinary(BinaryOperatorKind kind, double left, double right, bool integral, out double value)
        {
            value = 0;
            switch (kind)
            {
                case BinaryOperatorKind.Add: value = left + right; break;
                case BinaryOperatorKind.Subtract: value = left - right; break;
                case BinaryOperatorKind.Multiply: value = left * right; break;
                case BinaryOperatorKind.Divide:
                    if (integral && right == 0) return false;
                    value = integral ? Math.Truncate(left / right) : left / right;
                    break;
                case BinaryOperatorKind.Remainder:
                    if (right == 0) return false;
                    value = left % right; // C#'s remainder: the sign of the dividend, for ints and floats alike
                    break;
                case BinaryOperatorKind.Equals: value = left == right ? 1 : 0; break;
                case BinaryOperatorKind.NotEquals: value = left != right ? 1 : 0; break;
                case BinaryOperatorKind.LessThan: value = left < right ? 1 : 0; break;
                case BinaryOperatorKind.LessThanOrEqual: value = left <= right ? 1 : 0; break;
                case BinaryOperatorKind.GreaterThan: value = left > right ? 1 : 0; break;
                case BinaryOperatorKind.GreaterThanOrEqual: value = left >= right ? 1 : 0; break;
                case BinaryOperatorKind.ConditionalAnd:
                case BinaryOperatorKind.And: value = left != 0 && right != 0 ? 1 : 0; break;
                case BinaryOperatorKind.ConditionalOr:
                case BinaryOperatorKind.Or: value = left != 0 || right != 0 ? 1 : 0; break;
                default: return false;
            }
            return !double.IsNaN(value) && !double.IsInfinity(value);
        }

        private static bool IsIntegral(ITypeSymbol? type)
        {
            switch (type?.SpecialType)
            {
                case SpecialType.System_Int32:
                case SpecialType.System_Int64:
                case SpecialType.System_Int16:
                case SpecialType.System_Byte:
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>A field type that holds a number or flag a traced method may read as a constant.</summary>
        private static bool IsScalarConstantType(ITypeSymbol type)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_Int32:
                case SpecialType.System_Int64:
                case SpecialType.System_Single:
                case SpecialType.System_Double:
                case SpecialType.System_Boolean:
                    return true;
                default:
                    return false;
            }
        }
    }
}
