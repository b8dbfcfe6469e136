using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.IR
{
    /// <summary>
    /// One dimension: a size known at build time, or a named symbolic dimension: the batch (the leading dimension of
    /// Forward's first input; <see cref="IsBatch"/>) or another name such as a sequence length "T", each bounded at
    /// Compile (MaxBatch, CompileOptions.MaxSizes).
    /// </summary>
    internal readonly record struct Dim(int Size, string? Symbol)
    {
        /// <summary>Whether this is the batch dimension, whose size the generated code holds in the batch variable.</summary>
        public bool IsBatch { get; init; }

        public static Dim Of(int size) => new Dim(size, null);

        public static Dim Named(string symbol) => new Dim(0, symbol);

        public static Dim Batch(string symbol) => new Dim(0, symbol) { IsBatch = true };

        public bool IsSymbolic => Symbol != null;

        /// <summary>C# text of the dimension, with <paramref name="batch"/> naming the batch variable.</summary>
        public string ToCode(string batch) => IsBatch ? batch : IsSymbolic ? SymbolCode(Symbol!) : Format.Int(Size);

        /// <summary>The generated code's variable for a named dimension other than the batch: "T" is <c>__T</c> (generated names start with "__").</summary>
        public static string SymbolCode(string symbol) => "__" + symbol;

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
    /// An element count: <c>PerBatch × batch + Fixed</c>, plus a term per product of other named dimensions
    /// (<see cref="Named"/>: 128·B·T). Products of shapes give one term; the memory planner's slots take the larger
    /// coefficient of each term over the values they hold, which bounds every size up to the compiled maxima.
    /// </summary>
    internal readonly record struct SizeExpr(long PerBatch, long Fixed)
    {
        /// <summary>The terms with named dimensions other than the batch, by their factors, in ordinal order.</summary>
        public EquatableArray<SizeTerm> Named { get; init; }

        public static SizeExpr Product(IEnumerable<Dim> dims)
        {
            long product = 1;
            bool batch = false;
            var named = new List<string>();
            foreach (Dim d in dims)
            {
                if (d.IsBatch) batch = true;
                else if (d.IsSymbolic) named.Add(Dim.SymbolCode(d.Symbol!));
                else product *= d.Size;
            }
            if (named.Count == 0) return batch ? new SizeExpr(product, 0) : new SizeExpr(0, product);
            named.Sort(System.StringComparer.Ordinal);
            string factors = (batch ? SizeTerm.BatchFactor + " * " : "") + string.Join(" * ", named);
            return new SizeExpr(0, 0) { Named = EquatableArray.Create(new SizeTerm(factors, product)) };
        }

        public static SizeExpr Max(SizeExpr a, SizeExpr b)
        {
            var named = new SortedDictionary<string, long>(System.StringComparer.Ordinal);
            foreach (SizeTerm t in a.Named.Concat(b.Named))
                named[t.Factors] = named.TryGetValue(t.Factors, out long c) ? System.Math.Max(c, t.Coefficient) : t.Coefficient;
            return new SizeExpr(System.Math.Max(a.PerBatch, b.PerBatch), System.Math.Max(a.Fixed, b.Fixed))
            {
                Named = named.Select(p => new SizeTerm(p.Key, p.Value)).ToEquatableArray(),
            };
        }

        /// <summary>Whether the count depends on a named dimension.</summary>
        public bool IsSymbolic => PerBatch != 0 || Named.Count > 0;

        /// <summary>An order of sizes for the planner: named terms first, then per batch, then fixed.</summary>
        public static int Compare(SizeExpr a, SizeExpr b)
        {
            int named = a.Named.Sum(t => t.Coefficient).CompareTo(b.Named.Sum(t => t.Coefficient));
            if (named != 0) return named;
            return a.PerBatch != b.PerBatch ? a.PerBatch.CompareTo(b.PerBatch) : a.Fixed.CompareTo(b.Fixed);
        }

        /// <summary>C# text of the count, with <paramref name="batch"/> naming the batch variable.</summary>
        public string ToCode(string batch)
        {
            var terms = Named.Select(t => t.Factors.Replace(SizeTerm.BatchFactor, batch) + (t.Coefficient == 1 ? "" : " * " + t.Coefficient.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            if (PerBatch != 0) terms.Add(PerBatch == 1 ? batch : batch + " * " + PerBatch.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (Fixed != 0 || terms.Count == 0) terms.Add(Fixed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return string.Join(" + ", terms);
        }

        public override string ToString() => ToCode("B");
    }

    /// <summary>One term of a <see cref="SizeExpr"/>: the code of its named factors ("{B} * Dim_T") times a coefficient.</summary>
    internal readonly record struct SizeTerm(string Factors, long Coefficient)
    {
        /// <summary>Stands for the batch variable in <see cref="Factors"/> until the code is written.</summary>
        public const string BatchFactor = "{B}";
    }
}
