using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// A hand-written <see cref="IModel"/> over a list of layers, so the criteria can be checked on small tensors
/// whose values the tests set by hand. Parameters are named and ordered as generated models name them.
/// </summary>
internal sealed class LayerListModel : IModel
{
    private readonly (string Name, ILayer Layer)[] _layers;
    private readonly Parameter[] _parameters;

    public LayerListModel(params (string Name, ILayer Layer)[] layers)
    {
        _layers = layers;
        _parameters = [.. layers.SelectMany(entry => entry.Layer.NamedParameters()
            .Select(p => new Parameter($"{entry.Name}.{p.Name}", p.Value)))];
    }

    public IReadOnlyList<Parameter> Parameters() => _parameters;

    public IReadOnlyList<(string Name, ILayer Layer)> Layers() => _layers;

    public void Initialize(int seed)
    {
        var rng = new Rng((ulong)seed);
        foreach (var (_, layer) in _layers) layer.ResetParameters(rng);
    }

    public Parameter this[string name] => _parameters.Single(p => p.Name == name);

    /// <summary>Sets a parameter's values (row-major).</summary>
    public void Set(string name, params float[] values)
    {
        Span<float> data = this[name].Value.AsSpan();
        Assert.Equal(data.Length, values.Length);
        values.CopyTo(data);
    }

    /// <summary>The row-major indices of a parameter's zero elements.</summary>
    public int[] Zeros(string name) => [.. this[name].Value.ToArray().Select((v, i) => (v, i)).Where(e => e.v == 0).Select(e => e.i)];
}
