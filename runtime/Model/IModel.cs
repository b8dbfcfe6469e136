namespace ModelGen;

/// <summary>
/// A trainable model. The generator makes every <c>[Model]</c> class implement it; see
/// <see cref="ModelExtensions"/> for the operations built on it.
/// </summary>
public interface IModel
{
    /// <summary>Every trainable tensor, in declaration order, with its dotted name.</summary>
    IReadOnlyList<Parameter> Parameters();

    /// <summary>Re-initialises every parameter deterministically from <paramref name="seed"/>.</summary>
    void Initialize(int seed);

    /// <summary>Every layer field, in declaration order, with its name.</summary>
    IReadOnlyList<(string Name, ILayer Layer)> Layers();
}
