using System.Globalization;

namespace ModelGen.Optim;

// The state dictionary: torch's optimizer.state_dict() flattened to dotted keys (see IOptimizer.StateDict).
public abstract partial class Optimizer
{
    /// <inheritdoc/>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < _parameters.Length; i++)
        {
            state[Key(i, "step")] = StateTensors.Scalar(_steps[i]);
            for (int k = 0; k < _stateNames.Length; k++) state[Key(i, _stateNames[k])] = StateTensors.Clone(_state[k][i]);
        }
        int first = 0;
        for (int g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g];
            state[GroupKey(g, "lr")] = StateTensors.Scalar(group.LearningRate);
            state[GroupKey(g, "weight_decay")] = StateTensors.Scalar(group.WeightDecay);
            if (group.InitialLearningRate is { } initial) state[GroupKey(g, "initial_lr")] = StateTensors.Scalar(initial);
            state[GroupKey(g, "params")] = Tensor.FromArray(Enumerable.Range(first, group.Parameters.Count).ToArray());
            first += group.Parameters.Count;
        }
        return state;
    }

    /// <inheritdoc/>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        // Check everything before changing anything, so a bad dictionary leaves the optimizer as it was.
        int first = 0;
        for (int g = 0; g < _groups.Length; g++)
        {
            int[] indices = StateTensors.Require(state, GroupKey(g, "params")).ToArrayInt32();
            if (!indices.SequenceEqual(Enumerable.Range(first, _groups[g].Parameters.Count)))
            {
                throw new ArgumentException($"Group {g} holds parameters [{string.Join(", ", indices)}] in the state dict but a different set here.", nameof(state));
            }
            first += _groups[g].Parameters.Count;
        }
        if (state.ContainsKey(GroupKey(_groups.Length, "params")))
        {
            throw new ArgumentException($"The state dict has more than this optimizer's {_groups.Length} parameter groups.", nameof(state));
        }
        for (int i = 0; i < _parameters.Length; i++)
        {
            StateTensors.RequireScalar(state, Key(i, "step"));
            for (int k = 0; k < _stateNames.Length; k++) StateTensors.RequireShape(state, Key(i, _stateNames[k]), _parameters[i].Value);
        }
        for (int i = 0; i < _parameters.Length; i++)
        {
            _steps[i] = (long)state[Key(i, "step")].ItemFloat64();
            for (int k = 0; k < _stateNames.Length; k++)
            {
                OptimizerParameters.MatchDType(_state[k][i], _parameters[i].Value);
                StateTensors.CopyInto(state[Key(i, _stateNames[k])], _state[k][i]);
            }
        }
        for (int g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g];
            group.LearningRate = StateTensors.RequireScalar(state, GroupKey(g, "lr"));
            group.WeightDecay = StateTensors.RequireScalar(state, GroupKey(g, "weight_decay"));
            group.InitialLearningRate = state.TryGetValue(GroupKey(g, "initial_lr"), out var initial) ? initial.ItemFloat64() : null;
        }
    }

    private static string Key(int parameter, string name) => string.Create(CultureInfo.InvariantCulture, $"state.{parameter}.{name}");

    private static string GroupKey(int group, string name) => string.Create(CultureInfo.InvariantCulture, $"param_groups.{group}.{name}");
}
