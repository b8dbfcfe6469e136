using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.IR
{
    /// <summary>One dimension: a size known at build time, or a named symbolic dimension (the batch).</summary>
    internal readonly record struct Dim(int Size, string? Symbol)
    {
        public static Dim Of(int size) => new Dim(size, null);

        public static Dim Named(string symbol) => new Dim(0, symbol);

        public bool IsSymbolic => Symbol != null;

        /// <summary>C# text of the dimension, with <paramref name="batch"/> naming the batch variable.</summary>
        public string ToCode(string batch) => IsSymbolic ? batch : Format.Int(Size);

        public override string ToString() => Symbol ?? Format.Int(Size);
    }

    /// <summary>
    /// A tensor shape, outermost first. Only the leading dimension may be symbolic, so every element count is
    /// either a constant or a constant times the batch: <see cref="Count"/> says which.
    /// </summary>
    internal sealed record Shape(EquatableArray<Dim> Dims)
    {
        public static readonly Shape Scalar = new Shape(EquatableArray<Dim>.Empty);

        public static Shape Of(params Dim[] dims) => new Shape(EquatableArray.Create(dims));

        public static Shape Of(IEnumerable<Dim> dims) => new Shape(dims.ToEquatableArray());

        public int Rank => Dims.Count;

        public Dim this[int axis] => Dims[axis];

        public Dim Last => Dims[Dims.Count - 1];

        public bool IsSymbolic => Dims.Any(d => d.IsSymbolic);

        /// <summary>Element count as coefficient × batch + constant (exactly one of the two is used).</summary>
        public SizeExpr Count => SizeExpr.Product(Dims);

        /// <summary>The product of every dimension but the last: the rows of the 2-D view a GEMM sees.</summary>
        public SizeExpr Rows => SizeExpr.Product(Dims.Take(Rank - 1));

        public Shape WithLast(Dim last) => Of(Dims.Take(Rank - 1).Concat(new[] { last }));

        public override string ToString() => "[" + string.Join(", ", Dims.Select(d => d.ToString())) + "]";
    }

    /// <summary>
    /// An element count: <c>PerBatch × batch + Fixed</c>. Products of shapes give one term; the memory planner's
    /// slots take the larger coefficients of the values they hold, which bounds every batch size.
    /// </summary>
    internal readonly record struct SizeExpr(long PerBatch, long Fixed)
    {
        public static SizeExpr Product(IEnumerable<Dim> dims)
        {
            long product = 1;
            bool symbolic = false;
            foreach (Dim d in dims)
            {
                if (d.IsSymbolic) symbolic = true;
                else product *= d.Size;
            }
            return symbolic ? new SizeExpr(product, 0) : new SizeExpr(0, product);
        }

        public static SizeExpr Max(SizeExpr a, SizeExpr b)
            => new SizeExpr(System.Math.Max(a.PerBatch, b.PerBatch), System.Math.Max(a.Fixed, b.Fixed));

        /// <summary>C# text of the count, with <paramref name="batch"/> naming the batch variable.</summary>
        public string ToCode(string batch)
        {
            string perBatch = PerBatch == 0 ? "" : PerBatch == 1 ? batch : batch + " * " + PerBatch.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (Fixed == 0) return perBatch.Length == 0 ? "0" : perBatch;
            string fixedText = Fixed.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return perBatch.Length == 0 ? fixedText : perBatch + " + " + fixedText;
        }

        public override string ToString() => ToCode("B");
    }
}
