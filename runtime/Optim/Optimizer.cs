namespace ModelGen.Optim;

/// <summary>
/// What every optimizer in <c>ModelGen.Optim</c> shares, as torch's <c>torch.optim.Optimizer</c>: parameter
/// groups with their own learning rate and weight decay, per-parameter state buffers named as torch names them
/// (allocated once, zeros of the parameter's shape, so <see cref="Step"/> allocates nothing), a step count per
/// parameter, pruning masks, and the state dictionary. A subclass supplies the update of one parameter.
/// </summary>
public abstract partial class Optimizer : IOptimizer
{
    private readonly Parameter[] _parameters;
    private readonly int[] _groupOf;
    private readonly OptimizerGroup[] _groups;
    private readonly long[] _steps;
    private readonly string[] _stateNames;
    private readonly Tensor[][] _state; // [buffer][parameter]

    /// <summary>Collects the groups, checks the shared hyper-parameters and allocates the state buffers.</summary>
    /// <param name="groups">The parameter groups; a group without an override takes <paramref name="lr"/> and <paramref name="weightDecay"/>.</param>
    /// <param name="lr">The default learning rate γ ≥ 0.</param>
    /// <param name="weightDecay">The default weight decay λ ≥ 0.</param>
    /// <param name="stateNames">The per-parameter buffers (torch's state keys), in the order <see cref="State"/> indexes them.</param>
    /// <exception cref="ArgumentException">No parameters, a null parameter, or a parameter in two groups.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A learning rate or weight decay is invalid.</exception>
    private protected Optimizer(IEnumerable<ParamGroup> groups, double lr, double weightDecay, params string[] stateNames)
    {
        ArgumentNullException.ThrowIfNull(groups);
        OptimizerParameters.RequireNonNegative(lr, nameof(lr), "learning rate");
        OptimizerParameters.RequireNonNegative(weightDecay, nameof(weightDecay), "weight_decay value");
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var parameters = new List<Parameter>();
        var groupOf = new List<int>();
        var live = new List<OptimizerGroup>();
        foreach (var group in groups)
        {
            ArgumentNullException.ThrowIfNull(group, nameof(groups));
            var members = new List<Parameter>();
            foreach (var parameter in group.Parameters)
            {
                if (parameter is null) throw new ArgumentException("The parameter list contains null.", nameof(groups));
                if (seen.Add(parameter.Value))
                {
                    members.Add(parameter);
                    continue;
                }
                // A duplicate inside one group is kept once (PyTorch warns); across groups it is an error.
                if (!members.Any(m => ReferenceEquals(m.Value, parameter.Value)))
                {
                    throw new ArgumentException("some parameters appear in more than one parameter group", nameof(groups));
                }
            }
            foreach (var member in members)
            {
                parameters.Add(member);
                groupOf.Add(live.Count);
            }
            live.Add(new OptimizerGroup([.. members], group.Lr ?? lr, group.WeightDecay ?? weightDecay));
        }
        if (parameters.Count == 0) throw new ArgumentException("optimizer got an empty parameter list", nameof(groups));
        _parameters = [.. parameters];
        _groupOf = [.. groupOf];
        _groups = [.. live];
        _steps = new long[_parameters.Length];
        _stateNames = stateNames;
        _state = new Tensor[stateNames.Length][];
        for (int k = 0; k < stateNames.Length; k++) _state[k] = OptimizerParameters.ZerosLike(_parameters);
    }

    /// <summary>One group holding <paramref name="parameters"/>, for the constructors that take a plain list.</summary>
    private protected static ParamGroup[] SingleGroup(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return [new ParamGroup(parameters)];
    }

    /// <inheritdoc/>
    public IReadOnlyList<OptimizerGroup> ParamGroups => _groups;

    /// <inheritdoc/>
    public float LearningRate
    {
        get => (float)_groups[0].LearningRate;
        set
        {
            OptimizerParameters.RequireNonNegative(value, nameof(value), "learning rate");
            double first = _groups[0].ConstructionLearningRate;
            foreach (var group in _groups)
            {
                group.LearningRate = first == 0 ? value : value * (group.ConstructionLearningRate / first);
            }
        }
    }

    /// <summary>The number of parameters, over all groups.</summary>
    private protected int ParameterCount => _parameters.Length;

    /// <summary>The per-parameter buffer <paramref name="slot"/> (an index into the constructor's state names) of parameter <paramref name="index"/>.</summary>
    private protected Tensor State(int slot, int index) => _state[slot][index];

    /// <inheritdoc/>
    public void Step()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter parameter = _parameters[i];
            Tensor value = parameter.Value;
            Tensor? grad = value.Grad;
            if (grad is null) continue;
            parameter.ZeroPruned(grad);
            for (int k = 0; k < _state.Length; k++) OptimizerParameters.MatchDType(_state[k][i], value);
            long step = ++_steps[i];
            Update(i, value, grad, _groups[_groupOf[i]], step);
            // Pruned weights stay exactly zero, and so does their state, which would otherwise revive them.
            parameter.ZeroPruned(value);
            for (int k = 0; k < _state.Length; k++) parameter.ZeroPruned(_state[k][i]);
        }
    }

    /// <summary>
    /// Updates parameter <paramref name="index"/> in place from <paramref name="grad"/> (both in the same dtype as
    /// its state buffers; pruned gradient elements already zero). Must not allocate.
    /// </summary>
    /// <param name="index">The parameter's index, for <see cref="State"/>.</param>
    /// <param name="value">The parameter's tensor.</param>
    /// <param name="grad">Its gradient: read only.</param>
    /// <param name="group">Its group, for the learning rate and weight decay.</param>
    /// <param name="step">The parameter's step count, 1 on its first update.</param>
    private protected abstract void Update(int index, Tensor value, Tensor grad, OptimizerGroup group, long step);

    /// <inheritdoc/>
    public void ZeroGrad() => OptimizerParameters.ZeroGrad(_parameters);
}
