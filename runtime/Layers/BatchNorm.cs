namespace ModelGen;

/// <summary>
/// Batch normalisation over axis 1, as PyTorch's <c>nn.BatchNorm1d</c>/<c>nn.BatchNorm2d</c> with affine
/// parameters and running statistics. While <see cref="Training"/>, it normalises with the batch's statistics
/// and moves <see cref="RunningMean"/> and <see cref="RunningVar"/> by <see cref="Momentum"/> (towards the unbiased
/// variance); otherwise it normalises with the running statistics.
/// </summary>
public abstract class BatchNorm : ILayer, ITrainingMode
{
    /// <summary>Validates the arguments and creates γ = 1, β = 0, running mean 0 and running variance 1.</summary>
    protected BatchNorm(int numFeatures, float eps, float momentum)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eps);
        if (momentum < 0 || momentum > 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1].");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        Weight = Tensor.Zeros(numFeatures);
        Weight.RequiresGrad = true;
        Bias = Tensor.Zeros(numFeatures);
        Bias.RequiresGrad = true;
        RunningMean = Tensor.Zeros(numFeatures);
        RunningVar = Tensor.Zeros(numFeatures);
        ResetParameters(Rng.Default);
    }

    /// <summary>The number of channels C (axis 1).</summary>
    public int NumFeatures { get; }

    /// <summary>ε added to the variance.</summary>
    public float Eps { get; }

    /// <summary>How far the running statistics move towards each batch's statistics.</summary>
    public float Momentum { get; }

    /// <summary>γ, the learned scale [C] (initially 1).</summary>
    public Tensor Weight { get; }

    /// <summary>β, the learned shift [C] (initially 0).</summary>
    public Tensor Bias { get; }

    /// <summary>The running mean [C], a buffer (not a parameter).</summary>
    public Tensor RunningMean { get; }

    /// <summary>The running variance [C], a buffer (not a parameter).</summary>
    public Tensor RunningVar { get; }

    /// <summary>How many training batches have updated the running statistics.</summary>
    public long NumBatchesTracked { get; set; }

    /// <inheritdoc/>
    public bool Training { get; set; } = true;

    /// <summary>The rank the input must have (with the batch and channel axes).</summary>
    protected abstract bool AcceptsRank(int rank);

    /// <summary>Normalises x [N, C, …].</summary>
    /// <exception cref="ArgumentException">x has the wrong rank or channel count.</exception>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!AcceptsRank(x.Rank) || x.Size(1) != NumFeatures)
            throw new ArgumentException($"{this} expects [N, {NumFeatures}, ...] but got {Tensor.FormatShape(x.ShapeSpan)}.", nameof(x));
        if (Training) NumBatchesTracked++;
        return Ops.BatchNorm(x, this, Training);
    }

    /// <summary>γ = 1, β = 0, running mean 0, running variance 1 (PyTorch's reset_parameters and reset_running_stats).</summary>
    public void ResetParameters(Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        Fill(Weight, 1);
        Fill(Bias, 0);
        Fill(RunningMean, 0);
        Fill(RunningVar, 1);
        NumBatchesTracked = 0;
    }

    private static void Fill(Tensor t, double value)
    {
        if (t.DType == DType.Float32) t.AsSpan().Fill((float)value);
        else t.AsSpanFloat64().Fill(value);
    }

    /// <inheritdoc/>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters() => [("weight", Weight), ("bias", Bias)];

    /// <summary>running_mean and running_var, as PyTorch names them.</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedBuffers() => [("running_mean", RunningMean), ("running_var", RunningVar)];

    /// <inheritdoc/>
    public override string ToString() => $"{GetType().Name}({NumFeatures}, eps: {Eps}, momentum: {Momentum})";
}

/// <summary>Batch normalisation of [N, C] or [N, C, L] inputs (PyTorch's <c>nn.BatchNorm1d</c>).</summary>
public sealed class BatchNorm1d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f) : BatchNorm(numFeatures, eps, momentum)
{
    /// <inheritdoc/>
    protected override bool AcceptsRank(int rank) => rank is 2 or 3;
}

/// <summary>Batch normalisation of [N, C, H, W] inputs (PyTorch's <c>nn.BatchNorm2d</c>).</summary>
public sealed class BatchNorm2d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f) : BatchNorm(numFeatures, eps, momentum)
{
    /// <inheritdoc/>
    protected override bool AcceptsRank(int rank) => rank == 4;
}
