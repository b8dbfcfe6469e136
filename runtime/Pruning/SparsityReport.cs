using System.Globalization;
using System.Text;

namespace ModelGen.Pruning;

/// <summary>One parameter's line in a <see cref="SparsityReport"/>.</summary>
/// <param name="Name">The dotted parameter name, for example <c>fc1.weight</c>.</param>
/// <param name="Shape">The parameter's shape.</param>
/// <param name="Count">Its number of elements.</param>
/// <param name="Nonzeros">How many elements are not zero now (counted from the values, not the mask).</param>
/// <param name="Masked">Whether a pruning mask is attached.</param>
public sealed record SparsityRow(string Name, IReadOnlyList<int> Shape, int Count, int Nonzeros, bool Masked)
{
    /// <summary>The fraction of elements that are zero, in [0, 1].</summary>
    public double Sparsity => Count == 0 ? 0 : 1 - (double)Nonzeros / Count;
}

/// <summary>
/// How sparse each parameter of a model is, counted from its values: printable as a table with
/// <see cref="ToString"/>, with totals over the weights (rank ≥ 2) and over every parameter.
/// </summary>
public sealed class SparsityReport
{
    private SparsityReport(IReadOnlyList<SparsityRow> rows) => Rows = rows;

    /// <summary>One row per parameter, in the model's order.</summary>
    public IReadOnlyList<SparsityRow> Rows { get; }

    /// <summary>Total elements and nonzeros of the weights (parameters of rank ≥ 2, what pruning targets by default).</summary>
    public (int Count, int Nonzeros) Weights => Sum(Rows.Where(row => row.Shape.Count >= 2));

    /// <summary>Total elements and nonzeros of every parameter.</summary>
    public (int Count, int Nonzeros) All => Sum(Rows);

    /// <summary>The fraction of zero elements among the weights (rank ≥ 2).</summary>
    public double WeightSparsity => Sparsity(Weights);

    /// <summary>Counts the zeros of every parameter of <paramref name="model"/> now.</summary>
    public static SparsityReport Of(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rows = new List<SparsityRow>();
        foreach (var parameter in model.Parameters())
        {
            double[] values = parameter.Value.ToArrayFloat64();
            int nonzeros = values.Count(value => value != 0);
            rows.Add(new SparsityRow(parameter.Name, parameter.Value.Shape, values.Length, nonzeros, parameter.IsMasked));
        }
        return new SparsityReport(rows);
    }

    /// <summary>The table: name, shape, nonzeros of count, sparsity, and a mark for masked parameters; then totals.</summary>
    public override string ToString()
    {
        var lines = new List<string[]> { new[] { "parameter", "shape", "nonzeros", "count", "sparsity", "mask" } };
        foreach (var row in Rows)
        {
            lines.Add([row.Name, "[" + string.Join(", ", row.Shape) + "]", Number(row.Nonzeros), Number(row.Count),
                Percent(row.Sparsity), row.Masked ? "yes" : ""]);
        }
        lines.Add(["weights (rank >= 2)", "", Number(Weights.Nonzeros), Number(Weights.Count), Percent(WeightSparsity), ""]);
        lines.Add(["all parameters", "", Number(All.Nonzeros), Number(All.Count), Percent(Sparsity(All)), ""]);

        int columns = lines[0].Length;
        var widths = new int[columns];
        foreach (var line in lines)
        {
            for (int c = 0; c < columns; c++) widths[c] = Math.Max(widths[c], line[c].Length);
        }
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            // Names and shapes read left-aligned, numbers right-aligned.
            var cells = line.Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
            text.Append(string.Join("  ", cells).TrimEnd()).Append('\n');
        }
        return text.ToString();
    }

    private static (int Count, int Nonzeros) Sum(IEnumerable<SparsityRow> rows)
    {
        int count = 0, nonzeros = 0;
        foreach (var row in rows)
        {
            count += row.Count;
            nonzeros += row.Nonzeros;
        }
        return (count, nonzeros);
    }

    private static double Sparsity((int Count, int Nonzeros) total) => total.Count == 0 ? 0 : 1 - (double)total.Nonzeros / total.Count;

    private static string Number(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(double value) => (100 * value).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
