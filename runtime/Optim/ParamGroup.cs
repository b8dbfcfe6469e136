namespace ModelGen.Optim;

/// <summary>
/// A set of parameters that share hyper-parameter overrides, as one entry of the list that <c>torch.optim</c>'s
/// optimizers take (<c>{"params": [...], "lr": 1e-2, "weight_decay": 0}</c>). Every optimizer has a constructor
/// taking <c>IEnumerable&lt;ParamGroup&gt;</c>; a group without an override uses the optimizer's argument.
/// This is only the request: the optimizer's live groups, whose learning rates schedules change, are its
/// <see cref="IOptimizer.ParamGroups"/>.
/// </summary>
public sealed class ParamGroup
{
    /// <summary>Creates a group.</summary>
    /// <param name="parameters">The group's parameters (a parameter may be in one group only).</param>
    /// <param name="lr">The group's learning rate, or null for the optimizer's <c>lr</c>.</param>
    /// <param name="weightDecay">The group's weight decay, or null for the optimizer's <c>weightDecay</c>.</param>
    public ParamGroup(IEnumerable<Parameter> parameters, double? lr = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
        Lr = lr;
        WeightDecay = weightDecay;
    }

    /// <summary>The group's parameters.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The learning-rate override, or null.</summary>
    public double? Lr { get; }

    /// <summary>The weight-decay override, or null.</summary>
    public double? WeightDecay { get; }
}

/// <summary>Common ways to split a model's parameters into <see cref="ParamGroup"/>s.</summary>
public static class ParamGroups
{
    /// <summary>
    /// The usual recipe for AdamW and friends: weight decay on weight matrices and convolution kernels (rank ≥ 2),
    /// none on 1-D tensors (biases, batch and layer norm scales and shifts, PReLU slopes) or scalars. Groups that
    /// would be empty are left out; the decayed group comes first.
    /// </summary>
    /// <param name="model">The model whose parameters to split.</param>
    /// <param name="weightDecay">The decay of the first group; the second group's is 0.</param>
    public static ParamGroup[] NoDecayOnBiasAndNorm(IModel model, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(model);
        return NoDecayOnBiasAndNorm(model.Parameters(), weightDecay);
    }

    /// <inheritdoc cref="NoDecayOnBiasAndNorm(IModel, double)"/>
    /// <param name="parameters">The parameters to split.</param>
    /// <param name="weightDecay">The decay of the first group; the second group's is 0.</param>
    public static ParamGroup[] NoDecayOnBiasAndNorm(IEnumerable<Parameter> parameters, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var decayed = new List<Parameter>();
        var undecayed = new List<Parameter>();
        foreach (var parameter in parameters) (parameter.Value.Rank >= 2 ? decayed : undecayed).Add(parameter);
        var groups = new List<ParamGroup>(2);
        if (decayed.Count > 0) groups.Add(new ParamGroup(decayed, weightDecay: weightDecay));
        if (undecayed.Count > 0) groups.Add(new ParamGroup(undecayed, weightDecay: 0));
        return [.. groups];
    }
}
