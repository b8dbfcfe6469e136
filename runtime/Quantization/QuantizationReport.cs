using System.Text;

namespace ModelGen.Quantization;

/// <summary>How one layer runs in the compiled Forward after quantisation.</summary>
/// <param name="Layer">The layer's field name.</param>
/// <param name="LayerType">The layer's type name (Linear, Conv2d, ...).</param>
/// <param name="IsInt8">Whether its product runs as an int8 GEMM.</param>
/// <param name="Detail">The quantisation parameters, or why it stays float32.</param>
public sealed record LayerQuantization(string Layer, string LayerType, bool IsInt8, string Detail);

/// <summary>Which layers of a compiled model run int8 and which stay float32, and why.</summary>
public sealed class QuantizationReport(IReadOnlyList<LayerQuantization> layers)
{
    /// <summary>Every layer field of the model, in declaration order.</summary>
    public IReadOnlyList<LayerQuantization> Layers { get; } = layers;

    /// <summary>The layers that stay float32.</summary>
    public IEnumerable<LayerQuantization> Float32Layers => Layers.Where(l => !l.IsInt8);

    /// <summary>One line per layer: "fc1 (Linear): int8, ..." or "conv1 (Conv2d): float32, reason".</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (LayerQuantization layer in Layers)
            text.Append(layer.Layer).Append(" (").Append(layer.LayerType).Append("): ")
                .Append(layer.IsInt8 ? "int8, " : "float32, ").AppendLine(layer.Detail);
        return text.ToString();
    }
}
