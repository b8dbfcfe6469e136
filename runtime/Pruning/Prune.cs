namespace ModelGen.Pruning;

/// <summary>
/// Weight pruning of any <see cref="IModel"/>: each criterion attaches a <see cref="Parameter.Mask"/> to the weights
/// it prunes and zeros them; the optimizers then keep them at zero (see <see cref="Parameter.SetMask"/>).
/// Pruning only adds zeros: an existing mask is kept and extended, and elements pruned already count towards
/// the target and are the first to stay pruned, so a rising target (<see cref="GradualPruning"/>) grows the mask.
/// Call <see cref="RemoveMasks"/> to start over.
/// </summary>
public static partial class Prune
{
    /// <summary>
    /// Unstructured magnitude pruning (Han et al. 2015; PyTorch's <c>l1_unstructured</c> and
    /// <c>global_unstructured</c>): the round(sparsity · n) weights of smallest |w| become zero, per weight tensor
    /// or over all of them at once. Ties go to the earlier element (in parameter order, then row-major).
    /// </summary>
    /// <param name="model">The model whose weights are pruned.</param>
    /// <param name="sparsity">The fraction of weights to prune, in [0, 1].</param>
    /// <param name="scope">One threshold per tensor, or one for the whole model.</param>
    /// <param name="include">Which parameters are prunable; by default those of rank ≥ 2 (the weights of linear
    /// and convolution layers), so biases and normalisation parameters are left alone.</param>
    /// <returns>The parameters that were considered (and now carry a mask).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sparsity"/> is outside [0, 1].</exception>
    public static IReadOnlyList<Parameter> Magnitude(IModel model, double sparsity, PruningScope scope = PruningScope.PerLayer,
        Func<Parameter, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        MagnitudeRanking.RequireFraction(sparsity, nameof(sparsity));
        Parameter[] targets = [.. model.Parameters().Where(include ?? IsWeight)];
        if (scope == PruningScope.PerLayer)
        {
            foreach (var parameter in targets) PruneSmallest([parameter], sparsity);
        }
        else
        {
            PruneSmallest(targets, sparsity);
        }
        return targets;
    }

    /// <summary>
    /// Structured pruning (Li et al. 2017, "Pruning Filters for Efficient ConvNets"): in each chosen layer the
    /// round(fraction · outputs) output neurons (rows of a <see cref="Linear"/> weight) or filters (output
    /// channels of a <see cref="Conv2d"/> weight) of smallest norm are zeroed whole, together with their bias
    /// entries, so the unit's output is exactly zero before the activation. Ties go to the earlier unit.
    /// </summary>
    /// <param name="model">The model whose layers are pruned.</param>
    /// <param name="fraction">The fraction of each layer's output units to remove, in [0, 1].</param>
    /// <param name="norm">How units are ranked: Σ|w| (the paper's) or √Σw².</param>
    /// <param name="layers">The names of the layers to prune (from <see cref="IModel.Layers"/>), each a
    /// <see cref="Linear"/> or <see cref="Conv2d"/>; by default every such layer except the last declared one,
    /// which is usually the classifier whose outputs are the classes.</param>
    /// <returns>The weight (and bias) parameters that now carry a mask.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fraction"/> is outside [0, 1].</exception>
    /// <exception cref="ArgumentException">A named layer is missing or not a Linear or Conv2d layer.</exception>
    public static IReadOnlyList<Parameter> Structured(IModel model, double fraction, FilterNorm norm = FilterNorm.L1,
        IEnumerable<string>? layers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        MagnitudeRanking.RequireFraction(fraction, nameof(fraction));
        var byTensor = ParametersByTensor(model);
        var masked = new List<Parameter>();
        foreach (var (_, weight, bias) in ChosenLayers(model, layers, defaultSkipsLast: true))
        {
            Parameter weightParameter = byTensor[weight];
            int units = weight.Size(0), unitLength = weight.Length / units;
            double[] scores = UnitNorms(weightParameter, units, unitLength, norm);
            int count = MagnitudeRanking.TargetCount(fraction, units);
            var order = new Candidate[units];
            for (int u = 0; u < units; u++) order[u] = new Candidate(scores[u], u);
            Array.Sort(order);

            bool[] keep = MagnitudeRanking.CurrentKeep(weightParameter);
            Parameter? biasParameter = bias is null ? null : byTensor[bias];
            bool[]? keepBias = biasParameter is null ? null : MagnitudeRanking.CurrentKeep(biasParameter);
            for (int j = 0; j < count; j++)
            {
                int unit = (int)order[j].Position;
                keep.AsSpan(unit * unitLength, unitLength).Clear();
                if (keepBias is not null) keepBias[unit] = false;
            }
            weightParameter.SetMask(keep);
            masked.Add(weightParameter);
            if (biasParameter is not null)
            {
                biasParameter.SetMask(keepBias);
                masked.Add(biasParameter);
            }
        }
        return masked;
    }

    /// <summary>
    /// 2:4 semi-structured pruning, the pattern NVIDIA Ampere sparse tensor cores accelerate: in every group of 4
    /// consecutive weights along the input dimension, the 2 of smallest |w| become zero (ties: the earlier one).
    /// For a <see cref="Linear"/> weight [out, in] a group is 4 neighbours in a row; for a <see cref="Conv2d"/>
    /// weight [out, in/groups, k, k] it is 4 consecutive input channels at one output channel and kernel tap, as
    /// NVIDIA's ASP lays them out. A layer whose input size per group is not a multiple of 4 cannot take the pattern
    /// and is skipped (it is absent from the result).
    /// </summary>
    /// <param name="model">The model whose layers are pruned.</param>
    /// <param name="layers">The names of the layers to prune; by default every Linear and Conv2d layer.</param>
    /// <returns>The weight parameters that now carry a mask.</returns>
    /// <exception cref="ArgumentException">A named layer is missing or not a Linear or Conv2d layer.</exception>
    public static IReadOnlyList<Parameter> SemiStructured24(IModel model, IEnumerable<string>? layers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var byTensor = ParametersByTensor(model);
        var masked = new List<Parameter>();
        Span<Candidate> group = stackalloc Candidate[4];
        foreach (var (_, weight, _) in ChosenLayers(model, layers, defaultSkipsLast: false))
        {
            // Linear: [out, in] is [out, in, 1 tap]; Conv2d: [out, channels, taps].
            int units = weight.Size(0), inputs = weight.Size(1), taps = weight.Length / (units * inputs);
            if (inputs % 4 != 0) continue;
            Parameter parameter = byTensor[weight];
            double[] scores = MagnitudeRanking.Scores(parameter);
            bool[] keep = MagnitudeRanking.CurrentKeep(parameter);
            for (int unit = 0; unit < units; unit++)
            {
                for (int first = 0; first < inputs; first += 4)
                {
                    for (int tap = 0; tap < taps; tap++)
                    {
                        for (int j = 0; j < 4; j++)
                        {
                            int index = (unit * inputs + first + j) * taps + tap;
                            group[j] = new Candidate(scores[index], index);
                        }
                        group.Sort();
                        keep[group[0].Position] = false;
                        keep[group[1].Position] = false;
                    }
                }
            }
            parameter.SetMask(keep);
            masked.Add(parameter);
        }
        return masked;
    }

    /// <summary>Detaches every mask in the model (see <see cref="Parameter.RemoveMask"/>); pruned values stay zero.</summary>
    public static void RemoveMasks(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var parameter in model.Parameters()) parameter.RemoveMask();
    }

    /// <summary>
    /// Zeros every masked element again (see <see cref="Parameter.ApplyMask"/>), after something other than an
    /// optimizer wrote the weights, such as <see cref="IModel.Initialize"/>.
    /// </summary>
    public static void ApplyMasks(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var parameter in model.Parameters()) parameter.ApplyMask();
    }

    /// <summary>The default prunable set: weights of rank ≥ 2, never biases or normalisation parameters.</summary>
    private static bool IsWeight(Parameter parameter) => parameter.Value.Rank >= 2;

    /// <summary>Prunes the round(sparsity · n) smallest-|w| elements over all <paramref name="parameters"/> together.</summary>
    private static void PruneSmallest(Parameter[] parameters, double sparsity)
    {
        int total = 0;
        foreach (var parameter in parameters) total = checked(total + parameter.Value.Length);
        var order = new Candidate[total];
        int at = 0;
        for (int p = 0; p < parameters.Length; p++)
        {
            double[] scores = MagnitudeRanking.Scores(parameters[p]);
            for (int i = 0; i < scores.Length; i++) order[at++] = new Candidate(scores[i], ((long)p << 32) | (uint)i);
        }
        Array.Sort(order);
        bool[][] keep = [.. parameters.Select(MagnitudeRanking.CurrentKeep)];
        int count = MagnitudeRanking.TargetCount(sparsity, total);
        for (int j = 0; j < count; j++)
        {
            long position = order[j].Position;
            keep[(int)(position >> 32)][(int)(position & uint.MaxValue)] = false;
        }
        for (int p = 0; p < parameters.Length; p++) parameters[p].SetMask(keep[p]);
    }

    /// <summary>The L1 or L2 norm of each unit's weights (a unit: one row of the weight viewed as [units, unitLength]).</summary>
    private static double[] UnitNorms(Parameter weight, int units, int unitLength, FilterNorm norm)
    {
        double[] values = weight.Value.ToArrayFloat64();
        ReadOnlySpan<bool> mask = weight.Mask;
        var norms = new double[units];
        for (int u = 0; u < units; u++)
        {
            double sum = 0;
            bool anyKept = mask.IsEmpty;
            for (int i = u * unitLength; i < (u + 1) * unitLength; i++)
            {
                sum += norm == FilterNorm.L1 ? Math.Abs(values[i]) : values[i] * values[i];
                if (!mask.IsEmpty && mask[i]) anyKept = true;
            }
            // A unit the mask removes whole is pruned already: it goes first, so masks grow monotonically.
            norms[u] = !anyKept ? Candidate.AlreadyPruned : norm == FilterNorm.L1 ? sum : Math.Sqrt(sum);
        }
        return norms;
    }

    /// <summary>The Linear and Conv2d layers to prune, by name or by default, with their weight and bias tensors.</summary>
    private static List<(string Name, Tensor Weight, Tensor? Bias)> ChosenLayers(IModel model, IEnumerable<string>? names,
        bool defaultSkipsLast)
    {
        var all = new List<(string Name, Tensor Weight, Tensor? Bias)>();
        var byName = new Dictionary<string, ILayer>(StringComparer.Ordinal);
        foreach (var (name, layer) in model.Layers())
        {
            byName[name] = layer;
            if (AsPrunable(layer) is { } pair) all.Add((name, pair.Weight, pair.Bias));
        }
        if (names is null) return defaultSkipsLast && all.Count > 0 ? all[..^1] : all;

        var chosen = new List<(string Name, Tensor Weight, Tensor? Bias)>();
        foreach (var name in names)
        {
            if (!byName.TryGetValue(name, out var layer))
            {
                throw new ArgumentException($"The model has no layer named '{name}'.", "layers");
            }
            var pair = AsPrunable(layer)
                ?? throw new ArgumentException($"Layer '{name}' is a {layer.GetType().Name}; only Linear and Conv2d layers can be pruned by unit.", "layers");
            chosen.Add((name, pair.Weight, pair.Bias));
        }
        return chosen;
    }

    private static (Tensor Weight, Tensor? Bias)? AsPrunable(ILayer layer) => layer switch
    {
        Linear linear => (linear.Weight, linear.Bias),
        Conv2d conv => (conv.Weight, conv.Bias),
        _ => null,
    };

    private static Dictionary<Tensor, Parameter> ParametersByTensor(IModel model)
    {
        var map = new Dictionary<Tensor, Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var parameter in model.Parameters()) map.TryAdd(parameter.Value, parameter);
        return map;
    }
}
