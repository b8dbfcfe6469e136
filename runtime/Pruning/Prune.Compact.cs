namespace ModelGen.Pruning;

// Compaction: turning structurally pruned units into a physically smaller compiled model.
public static partial class Prune
{
    /// <summary>
    /// The layer sizes a compact copy of <paramref name="model"/> needs (see <see cref="Compact"/>): for each
    /// <see cref="Linear"/> layer of the chain, in declaration order, the inputs and outputs that remain once every
    /// removed unit is dropped. A unit is removed when its weight row and bias entry are all zero (what
    /// <see cref="Structured"/> leaves); the last layer keeps all its outputs, which are the model's.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is not a chain of Linear layers (see <see cref="Compact"/>).</exception>
    public static IReadOnlyList<(string Name, int InFeatures, int OutFeatures)> CompactSizes(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var chain = LinearChain(model);
        var kept = KeptUnits(chain);
        return [.. chain.Select((layer, i) => (layer.Name, i == 0 ? layer.Linear.InFeatures : kept[i - 1].Length, kept[i].Length))];
    }

    /// <summary>
    /// Copies a structurally pruned model into a smaller one: <paramref name="target"/> is a second <c>[Model]</c>
    /// class with the same <c>Forward</c> and layer names, declared with the sizes <see cref="CompactSizes"/>
    /// gives, so the generator compiles it with those sizes baked in (smaller GEMMs, smaller buffers). Each removed
    /// unit's weight row and bias entry are dropped, and so are the columns of the next layer's weight that read
    /// it; masks on the kept weights carry over. The two models compute the same outputs, provided that
    /// <list type="bullet">
    /// <item><description>the model's parameterised layers are Linear layers, each reading the previous one's output
    /// (in declaration order) through elementwise functions only, and</description></item>
    /// <item><description>those functions map 0 to 0 (ReLU, GELU, SiLU, tanh, dropout; not sigmoid), so a removed
    /// unit's output, zero before the activation, stays zero after it.</description></item>
    /// </list>
    /// The generator cannot resize a compiled model at run time: sizes are part of the generated code, which is
    /// why the smaller model is a class of its own.
    /// </summary>
    /// <param name="source">The pruned model.</param>
    /// <param name="target">The smaller model, overwritten.</param>
    /// <exception cref="NotSupportedException"><paramref name="source"/> is not a chain of Linear layers.</exception>
    /// <exception cref="ArgumentException"><paramref name="target"/>'s layers do not have the compact sizes.</exception>
    public static void Compact(IModel source, IModel target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var chain = LinearChain(source);
        var targetChain = LinearChain(target);
        var kept = KeptUnits(chain);
        var sizes = CompactSizes(source);
        bool fits = targetChain.Count == chain.Count && targetChain.Select((layer, i) =>
            layer.Name == sizes[i].Name && layer.Linear.InFeatures == sizes[i].InFeatures && layer.Linear.OutFeatures == sizes[i].OutFeatures
            && (layer.Linear.Bias is null) == (chain[i].Linear.Bias is null)).All(match => match);
        if (!fits)
        {
            throw new ArgumentException(
                $"The compact model needs the layers {Describe(sizes)}; the target has {Describe(CompactShapes(targetChain))}.", nameof(target));
        }

        var sourceParameters = ParametersByTensor(source);
        var targetParameters = ParametersByTensor(target);
        for (int i = 0; i < chain.Count; i++)
        {
            Linear from = chain[i].Linear, to = targetChain[i].Linear;
            int[] rows = kept[i];
            int[] columns = i == 0 ? [.. Enumerable.Range(0, from.InFeatures)] : kept[i - 1];
            CopyGathered(sourceParameters[from.Weight], targetParameters[to.Weight], rows, columns, from.InFeatures);
            if (from.Bias is not null) CopyGathered(sourceParameters[from.Bias], targetParameters[to.Bias!], rows, [0], 1);
        }
    }

    /// <summary>to[r, c] = from[rows[r], columns[c]] for a row-major [*, width] parameter, with its mask if any.</summary>
    private static void CopyGathered(Parameter from, Parameter to, int[] rows, int[] columns, int width)
    {
        double[] source = from.Value.ToArrayFloat64();
        ReadOnlySpan<bool> mask = from.Mask;
        var values = new double[rows.Length * columns.Length];
        var keep = new bool[values.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            for (int c = 0; c < columns.Length; c++)
            {
                int at = rows[r] * width + columns[c];
                values[r * columns.Length + c] = source[at];
                keep[r * columns.Length + c] = mask.IsEmpty || mask[at];
            }
        }
        to.RemoveMask();
        if (to.Value.DType == DType.Float32)
        {
            Span<float> data = to.Value.AsSpan();
            for (int i = 0; i < values.Length; i++) data[i] = (float)values[i];
        }
        else
        {
            values.CopyTo(to.Value.AsSpanFloat64());
        }
        if (from.IsMasked) to.SetMask(keep);
    }

    /// <summary>For each layer of the chain, the units it keeps: all for the last, else those with a non-zero weight or bias.</summary>
    private static int[][] KeptUnits(List<(string Name, Linear Linear)> chain)
    {
        var kept = new int[chain.Count][];
        for (int i = 0; i < chain.Count; i++)
        {
            Linear layer = chain[i].Linear;
            if (i == chain.Count - 1)
            {
                kept[i] = [.. Enumerable.Range(0, layer.OutFeatures)];
                continue;
            }
            double[] weight = layer.Weight.ToArrayFloat64();
            double[]? bias = layer.Bias?.ToArrayFloat64();
            kept[i] = [.. Enumerable.Range(0, layer.OutFeatures).Where(unit =>
                (bias is not null && bias[unit] != 0) || weight.AsSpan(unit * layer.InFeatures, layer.InFeatures).ContainsAnyExcept(0.0))];
        }
        return kept;
    }

    /// <summary>The Linear layers in declaration order, checked to form a chain; any other layer with parameters is refused.</summary>
    private static List<(string Name, Linear Linear)> LinearChain(IModel model)
    {
        var chain = new List<(string Name, Linear Linear)>();
        foreach (var (name, layer) in model.Layers())
        {
            if (layer is Linear linear)
            {
                if (chain.Count > 0 && chain[^1].Linear.OutFeatures != linear.InFeatures)
                {
                    throw new NotSupportedException(
                        $"Compaction needs a chain of Linear layers: '{name}' takes {linear.InFeatures} inputs but '{chain[^1].Name}' gives {chain[^1].Linear.OutFeatures}.");
                }
                chain.Add((name, linear));
            }
            else if (layer.NamedParameters().Any())
            {
                throw new NotSupportedException($"Compaction handles chains of Linear layers only; '{name}' is a {layer.GetType().Name} with parameters.");
            }
        }
        if (chain.Count == 0) throw new NotSupportedException("Compaction needs at least one Linear layer.");
        return chain;
    }

    private static List<(string Name, int InFeatures, int OutFeatures)> CompactShapes(List<(string Name, Linear Linear)> chain)
        => [.. chain.Select(layer => (layer.Name, layer.Linear.InFeatures, layer.Linear.OutFeatures))];

    private static string Describe(IEnumerable<(string Name, int InFeatures, int OutFeatures)> sizes)
        => string.Join(", ", sizes.Select(size => $"{size.Name} = Linear({size.InFeatures}, {size.OutFeatures})"));
}
