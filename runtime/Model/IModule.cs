namespace ModelGen;

/// <summary>
/// A <c>[Module]</c> block. The generator implements it: a block lists its parameters and layers by their paths
/// relative to itself, and initialises them from a generator shared with the model that holds it.
/// </summary>
public interface IModule : IModel
{
    /// <summary>Every trainable tensor with its dotted path in this block (<c>conv1.weight</c>), as PyTorch's <c>named_parameters()</c>.</summary>
    IEnumerable<(string Name, Tensor Value)> NamedParameters();

    /// <summary>Re-initialises every layer of the block, in declaration order, drawing from <paramref name="rng"/>.</summary>
    void ResetParameters(Rng rng);
}
