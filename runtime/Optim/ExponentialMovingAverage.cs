namespace ModelGen.Optim;

/// <summary>
/// An exponential moving average of parameters (Polyak averaging with decay), as timm's <c>ModelEmaV2</c> and
/// <c>torch.optim.swa_utils.AveragedModel</c> with an EMA <c>avg_fn</c>: a shadow copy of each parameter, taken at
/// construction, that <see cref="Update"/> moves towards the live value, <c>θ̄ ← d·θ̄ + (1 − d)·θ</c>. Evaluate
/// with the averaged weights by calling <see cref="ApplyTo"/> (which saves the live weights) and return to training
/// with <see cref="Restore"/>; or copy them into another model with <see cref="CopyTo"/>. Update allocates nothing.
/// </summary>
public sealed class ExponentialMovingAverage
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _averages;
    private readonly Tensor[] _backups;
    private bool _applied;

    /// <summary>Starts the average at the parameters' current values.</summary>
    /// <param name="parameters">The parameters to average.</param>
    /// <param name="decay">The decay d ∈ [0, 1]: the weight of the old average at each update.</param>
    public ExponentialMovingAverage(IEnumerable<Parameter> parameters, double decay = 0.999)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(decay >= 0 && decay <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), "The decay must be in [0, 1].");
        _parameters = [.. parameters];
        _averages = [.. _parameters.Select(p => StateTensors.Clone(p.Value))];
        _backups = [.. _parameters.Select(p => Tensor.ZerosLike(p.Value))];
        Decay = decay;
    }

    /// <summary>The decay d.</summary>
    public double Decay { get; }

    /// <summary>How many times <see cref="Update"/> ran.</summary>
    public int Updates { get; private set; }

    /// <summary>The averaged value of parameter <paramref name="index"/> (in the order given), live: do not write it.</summary>
    public Tensor Average(int index) => _averages[index];

    /// <summary>Moves every average towards its parameter's current value: θ̄ ← d·θ̄ + (1 − d)·θ.</summary>
    /// <exception cref="InvalidOperationException">The averaged weights are applied (call <see cref="Restore"/> first).</exception>
    public void Update()
    {
        if (_applied) throw new InvalidOperationException("The averaged weights are applied; call Restore before updating the average.");
        for (int i = 0; i < _parameters.Length; i++)
        {
            Tensor value = _parameters[i].Value, average = _averages[i];
            OptimizerParameters.MatchDType(average, value);
            if (value.DType == DType.Float32)
            {
                Span<float> avg = average.AsSpan();
                ReadOnlySpan<float> theta = value.AsSpan();
                float d = (float)Decay, rest = (float)(1 - Decay);
                for (int j = 0; j < avg.Length; j++) avg[j] = d * avg[j] + rest * theta[j];
            }
            else
            {
                Span<double> avg = average.AsSpanFloat64();
                ReadOnlySpan<double> theta = value.AsSpanFloat64();
                for (int j = 0; j < avg.Length; j++) avg[j] = Decay * avg[j] + (1 - Decay) * theta[j];
            }
        }
        Updates++;
    }

    /// <summary>Saves the live weights and writes the averages into the parameters (for evaluation).</summary>
    /// <exception cref="InvalidOperationException">The averages are already applied.</exception>
    public void ApplyTo()
    {
        if (_applied) throw new InvalidOperationException("The averaged weights are already applied.");
        for (int i = 0; i < _parameters.Length; i++)
        {
            OptimizerParameters.MatchDType(_backups[i], _parameters[i].Value);
            StateTensors.CopyInto(_parameters[i].Value, _backups[i]);
            StateTensors.CopyInto(_averages[i], _parameters[i].Value);
        }
        _applied = true;
    }

    /// <summary>Puts back the live weights that <see cref="ApplyTo"/> saved.</summary>
    /// <exception cref="InvalidOperationException">The averages are not applied.</exception>
    public void Restore()
    {
        if (!_applied) throw new InvalidOperationException("Restore follows ApplyTo; the live weights are in place.");
        for (int i = 0; i < _parameters.Length; i++) StateTensors.CopyInto(_backups[i], _parameters[i].Value);
        _applied = false;
    }

    /// <summary>Copies the averages into <paramref name="destination"/>: another model's parameters, in the same order and shapes.</summary>
    /// <exception cref="ArgumentException">The count or a shape differs.</exception>
    public void CopyTo(IReadOnlyList<Parameter> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Count != _parameters.Length)
        {
            throw new ArgumentException($"The average holds {_parameters.Length} parameters; the destination has {destination.Count}.", nameof(destination));
        }
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!destination[i].Value.ShapeSpan.SequenceEqual(_averages[i].ShapeSpan))
            {
                throw new ArgumentException($"Parameter {i} ('{destination[i].Name}') has another shape than the average.", nameof(destination));
            }
        }
        for (int i = 0; i < _parameters.Length; i++) StateTensors.CopyInto(_averages[i], destination[i].Value);
    }
}
