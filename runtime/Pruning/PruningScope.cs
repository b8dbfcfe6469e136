namespace ModelGen.Pruning;

/// <summary>Where <see cref="Prune.Magnitude"/> draws its threshold.</summary>
public enum PruningScope
{
    /// <summary>Each weight tensor separately: every one ends at the target sparsity.</summary>
    PerLayer,

    /// <summary>
    /// One threshold across every prunable weight together (PyTorch's <c>global_unstructured</c>): the model as a
    /// whole reaches the target, and layers with smaller weights end sparser.
    /// </summary>
    Global,
}

/// <summary>The norm that ranks whole neurons or filters in <see cref="Prune.Structured"/> (Li et al. 2017).</summary>
public enum FilterNorm
{
    /// <summary>The sum of absolute values, Σ|w| (the paper's criterion).</summary>
    L1,

    /// <summary>The Euclidean norm, √Σw².</summary>
    L2,
}
