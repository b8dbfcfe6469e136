namespace ModelGen;

/// <summary>A building block with trainable tensors, such as <see cref="Linear"/>.</summary>
public interface ILayer
{
    /// <summary>Draws fresh initial values for every parameter from <paramref name="rng"/>, in a fixed order.</summary>
    void ResetParameters(Rng rng);

    /// <summary>The layer's trainable tensors with their local names (for example <c>weight</c>, <c>bias</c>).</summary>
    IEnumerable<(string Name, Tensor Value)> NamedParameters();

    /// <summary>State that is not trained but belongs to the layer (batch norm's running statistics), by local name.</summary>
    IEnumerable<(string Name, Tensor Value)> NamedBuffers() => [];
}
