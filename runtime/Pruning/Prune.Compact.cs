namespace ModelGen.Pruning;

// Compaction: turning structurally pruned units into a physically smaller compiled model.
public static partial class Prune
{
    /// <summary>
    /// The layer sizes a compact copy of <paramref name="model"/> needs (see <see cref="Compact"/>): for each layer
    /// of the chain, in declaration order, the inputs and outputs that remain once every removed unit is dropped (for
    /// a <see cref="Conv2d"/>, its input and output channels). A unit (an output neuron or channel) is removed when
    /// its weight row and bias entry are all zero (what <see cref="Structured"/> leaves); the last layer keeps all
    /// its outputs, which are the model's.
    /// </summary>
    /// <exception cref="NotSupportedException">The model is not such a chain (see <see cref="Compact"/>).</exception>
    public static IReadOnlyList<(string Name, int InFeatures, int OutFeatures)> CompactSizes(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var chain = Chain(model);
        var kept = KeptUnits(chain);
        // A Linear after a convolution reads each kept channel's H·W flattened features.
        return [.. chain.Select((layer, i) => (layer.Name, i == 0 ? layer.Inputs : kept[i - 1].Length * (layer.Inputs / chain[i - 1].Outputs), kept[i].Length))];
    }

    /// <summary>
    /// Copies a structurally pruned model into a smaller one: <paramref name="target"/> is a second <c>[Model]</c>
    /// class with the same <c>Forward</c> and layer names, declared with the sizes <see cref="CompactSizes"/>
    /// gives, so the generator compiles it with those sizes baked in (smaller GEMMs and convolutions, smaller
    /// buffers). Each removed unit's weight row and bias entry are dropped, and so are the inputs of the next layer
    /// that read it: a Linear's column, a Conv2d's input channel (KH·KW taps), or, where a Linear reads a flattened
    /// convolution output, the channel's H·W features. Masks on the kept weights carry over. The two models compute
    /// the same outputs, provided that
    /// <list type="bullet">
    /// <item><description>the model's parameterised layers are Conv2d layers (groups 1) and then Linear layers, each
    /// reading the previous one's output (in declaration order), with a flatten between the last convolution and the
    /// first Linear, and</description></item>
    /// <item><description>only functions that map 0 to 0 lie between them: ReLU, GELU, SiLU, tanh, dropout, max or
    /// average pooling (not sigmoid, not batch norm), so a removed unit's output, zero before the activation, stays
    /// zero after it.</description></item>
    /// </list>
    /// The generator cannot resize a compiled model at run time: sizes are part of the generated code, which is
    /// why the smaller model is a class of its own.
    /// </summary>
    /// <param name="source">The pruned model.</param>
    /// <param name="target">The smaller model, overwritten.</param>
    /// <exception cref="NotSupportedException"><paramref name="source"/> is not such a chain.</exception>
    /// <exception cref="ArgumentException"><paramref name="target"/>'s layers do not have the compact sizes.</exception>
    public static void Compact(IModel source, IModel target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var chain = Chain(source);
        var targetChain = Chain(target);
        var kept = KeptUnits(chain);
        var sizes = CompactSizes(source);
        bool fits = targetChain.Count == chain.Count && targetChain.Select((layer, i) =>
            layer.Name == sizes[i].Name && layer.Inputs == sizes[i].InFeatures && layer.Outputs == sizes[i].OutFeatures
            && SameShape(layer.Layer, chain[i].Layer) && (layer.Bias is null) == (chain[i].Bias is null)).All(match => match);
        if (!fits)
        {
            throw new ArgumentException(
                $"The compact model needs the layers {Describe(chain, sizes)}; the target has {Describe(targetChain, CompactShapes(targetChain))}.", nameof(target));
        }

        var sourceParameters = ParametersByTensor(source);
        var targetParameters = ParametersByTensor(target);
        for (int i = 0; i < chain.Count; i++)
        {
            ChainLayer from = chain[i], to = targetChain[i];
            int[] rows = kept[i];
            // A row's entries per unit of the previous layer: a convolution's KH·KW taps per input channel, a
            // Linear's H·W features per flattened channel.
            int width = from.Weight.Length / from.Outputs, previousUnits = i == 0 ? from.Inputs : chain[i - 1].Outputs;
            int block = width / previousUnits;
            int[] inputs = i == 0 ? [.. Enumerable.Range(0, from.Inputs)] : kept[i - 1];
            int[] columns = [.. inputs.SelectMany(unit => Enumerable.Range(unit * block, block))];
            CopyGathered(sourceParameters[from.Weight], targetParameters[to.Weight], rows, columns, width);
            if (from.Bias is not null) CopyGathered(sourceParameters[from.Bias], targetParameters[to.Bias!], rows, [0], 1);
        }
    }

    /// <summary>
    /// One layer of the chain: its weight rows are its output units, and each unit of the previous layer (a
    /// feature, a channel, a flattened channel) is a run of consecutive entries of a row.
    /// </summary>
    private sealed record ChainLayer(string Name, ILayer Layer, Tensor Weight, Tensor? Bias, int Inputs, int Outputs);

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
    private static int[][] KeptUnits(List<ChainLayer> chain)
    {
        var kept = new int[chain.Count][];
        for (int i = 0; i < chain.Count; i++)
        {
            ChainLayer layer = chain[i];
            if (i == chain.Count - 1)
            {
                kept[i] = [.. Enumerable.Range(0, layer.Outputs)];
                continue;
            }
            double[] weight = layer.Weight.ToArrayFloat64();
            double[]? bias = layer.Bias?.ToArrayFloat64();
            int row = weight.Length / layer.Outputs;
            kept[i] = [.. Enumerable.Range(0, layer.Outputs).Where(unit =>
                (bias is not null && bias[unit] != 0) || weight.AsSpan(unit * row, row).ContainsAnyExcept(0.0))];
        }
        return kept;
    }

    /// <summary>
    /// The Conv2d and then Linear layers in declaration order, checked to form a chain (each reads the previous
    /// one's outputs; a Linear after a convolution reads its flattened channels); any other layer with parameters is
    /// refused.
    /// </summary>
    private static List<ChainLayer> Chain(IModel model)
    {
        var chain = new List<ChainLayer>();
        foreach (var (name, layer) in model.Layers())
        {
            ChainLayer? next = layer switch
            {
                Linear linear => new ChainLayer(name, linear, linear.Weight, linear.Bias, linear.InFeatures, linear.OutFeatures),
                Conv2d { Groups: 1 } conv => new ChainLayer(name, conv, conv.Weight, conv.Bias, conv.InChannels, conv.OutChannels),
                Conv2d => throw new NotSupportedException($"Compaction handles convolutions with groups 1 only; '{name}' has {((Conv2d)layer).Groups}."),
                _ when layer.NamedParameters().Any() =>
                    throw new NotSupportedException($"Compaction handles chains of Conv2d and Linear layers only; '{name}' is a {layer.GetType().Name} with parameters."),
                _ => null,
            };
            if (next is null) continue;
            if (chain.Count > 0) RequireFollows(chain[^1], next);
            chain.Add(next);
        }
        if (chain.Count == 0) throw new NotSupportedException("Compaction needs at least one Conv2d or Linear layer.");
        return chain;
    }

    /// <summary>Checks that <paramref name="next"/> can read <paramref name="previous"/>'s outputs unit by unit.</summary>
    private static void RequireFollows(ChainLayer previous, ChainLayer next)
    {
        bool follows = (previous.Layer, next.Layer) switch
        {
            (Conv2d, Conv2d) or (Linear, Linear) => next.Inputs == previous.Outputs,
            (Conv2d, Linear) => next.Inputs % previous.Outputs == 0, // flattened: each channel's H·W features in a row
            _ => false,
        };
        if (!follows)
        {
            throw new NotSupportedException(
                $"Compaction needs a chain of Conv2d and then Linear layers, each reading the previous one's outputs: '{next.Name}' " +
                $"({next.Layer.GetType().Name}, {next.Inputs} inputs) cannot read '{previous.Name}' ({previous.Layer.GetType().Name}, {previous.Outputs} outputs).");
        }
    }

    /// <summary>Whether two layers of a chain differ at most in their input and output sizes.</summary>
    private static bool SameShape(ILayer a, ILayer b) => (a, b) switch
    {
        (Linear, Linear) => true,
        (Conv2d x, Conv2d y) => x.KernelSize == y.KernelSize && x.Stride == y.Stride && x.Padding == y.Padding && x.Dilation == y.Dilation,
        _ => false,
    };

    private static List<(string Name, int InFeatures, int OutFeatures)> CompactShapes(List<ChainLayer> chain)
        => [.. chain.Select(layer => (layer.Name, layer.Inputs, layer.Outputs))];

    private static string Describe(List<ChainLayer> chain, IEnumerable<(string Name, int InFeatures, int OutFeatures)> sizes)
        => string.Join(", ", sizes.Zip(chain, (size, layer) => $"{size.Name} = " + (layer.Layer is Conv2d conv
            ? $"Conv2d({size.InFeatures}, {size.OutFeatures}, {conv.KernelSize})"
            : $"Linear({size.InFeatures}, {size.OutFeatures})")));
}
