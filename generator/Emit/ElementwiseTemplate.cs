namespace ModelGen.Generator.Emit
{
    /// <summary>
    /// An elementwise operator as a loop body: a vector expression over {V} (Vector512 or Vector256) and a scalar one,
    /// both over operands {a} and {b}. Operators that are loops implement <see cref="IElementwiseOperator"/>, so
    /// <see cref="FusedExpression"/> can nest them into one loop.
    /// </summary>
    internal sealed class ElementwiseTemplate
    {
        public ElementwiseTemplate(string vector, string scalar, int arity)
        {
            Vector = vector;
            Scalar = scalar;
            Arity = arity;
        }

        public string Vector { get; }

        public string Scalar { get; }

        /// <summary>How many operands, {a} or {a} and {b}.</summary>
        public int Arity { get; }
    }

    /// <summary>An operator whose node may be a loop over equal-shaped operands (and scalars).</summary>
    internal interface IElementwiseOperator
    {
        /// <summary>The loop body, or null when this operator's nodes are not loops (a sigmoid calls a runtime kernel).</summary>
        ElementwiseTemplate? Template { get; }
    }
}
