using System.Globalization;
using System.Text;

namespace ModelGen;

// A short, culture-independent description for debuggers and logs.
public sealed partial class Tensor
{
    // Enough values to recognise a tensor without flooding a log line.
    private const int MaxPrintedValues = 8;

    /// <summary>
    /// The shape, dtype and the first few values, in the invariant culture, for example
    /// <c>Tensor([2, 3], Float32, requiresGrad) [0.5, -1, 2, 0.25, 3, 1]</c>.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Tensor(").Append(FormatShape(_shape)).Append(", ").Append(DType);
        if (GradFn is not null) text.Append(", grad_fn=").Append(GradFn.Name);
        else if (RequiresGrad) text.Append(", requiresGrad");
        text.Append(") [");
        int shown = Math.Min(Length, MaxPrintedValues);
        for (int i = 0; i < shown; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(_data switch
            {
                float[] f => f[i].ToString(CultureInfo.InvariantCulture),
                double[] d => d[i].ToString(CultureInfo.InvariantCulture),
                long[] l => l[i].ToString(CultureInfo.InvariantCulture),
                _ => ((int[])_data)[i].ToString(CultureInfo.InvariantCulture),
            });
        }
        if (Length > shown) text.Append(", ... (").Append(Length).Append(" values)");
        return text.Append(']').ToString();
    }
}
