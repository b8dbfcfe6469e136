using System.Globalization;

namespace ModelGen;

/// <summary>
/// Walks the fields of a model or <c>[Module]</c> that hold layers, blocks or arrays of either, for the generated
/// <c>Parameters()</c>, <c>Layers()</c> and <c>Initialize</c>: names are dotted paths as PyTorch's
/// <c>state_dict</c> gives them (<c>blocks.0.conv1.weight</c>), an array's elements named by their index. A null
/// field is an optional layer that is absent (PyTorch's <c>None</c>) and contributes nothing.
/// </summary>
public static class ModuleTree
{
    /// <summary>Every trainable tensor under the named children, in order, with its dotted path.</summary>
    /// <exception cref="InvalidOperationException">A child is not a layer, block or array of them.</exception>
    public static IEnumerable<(string Name, Tensor Value)> NamedParameters(params (string Name, object? Child)[] children)
    {
        foreach (var (name, child) in children)
        {
            foreach (var (path, node) in Expand(name, child))
            {
                IEnumerable<(string Name, Tensor Value)> own = node is ILayer layer ? layer.NamedParameters() : ((IModule)node).NamedParameters();
                foreach (var (local, value) in own) yield return (path + "." + local, value);
            }
        }
    }

    /// <summary>Every layer under the named children, in order, with its dotted path.</summary>
    public static (string Name, ILayer Layer)[] Layers(params (string Name, object? Child)[] children)
    {
        var layers = new List<(string, ILayer)>();
        foreach (var (name, child) in children)
        {
            foreach (var (path, node) in Expand(name, child))
            {
                if (node is ILayer layer) layers.Add((path, layer));
                else
                {
                    foreach (var (local, inner) in ((IModule)node).Layers()) layers.Add((path + "." + local, inner));
                }
            }
        }
        return layers.ToArray();
    }

    /// <summary>Re-initialises every child in order from <paramref name="rng"/>, as PyTorch's default initialisation.</summary>
    public static void ResetParameters(Rng rng, params (string Name, object? Child)[] children)
    {
        ArgumentNullException.ThrowIfNull(rng);
        foreach (var (name, child) in children)
        {
            foreach (var (_, node) in Expand(name, child))
            {
                if (node is ILayer layer) layer.ResetParameters(rng);
                else ((IModule)node).ResetParameters(rng);
            }
        }
    }

    /// <summary>
    /// Wraps the named tensors as <see cref="Parameter"/>s, checking their names against <paramref name="expected"/>
    /// (the generator's traced list, which compiled code indexes): a mismatch means a block's fields changed after
    /// the build, or were replaced at run time by objects of another shape.
    /// </summary>
    /// <exception cref="InvalidOperationException">The names differ from the traced ones.</exception>
    public static Parameter[] ToParameters(IEnumerable<(string Name, Tensor Value)> named, IReadOnlyList<string>? expected = null)
    {
        var parameters = named.Select(p => new Parameter(p.Name, p.Value)).ToArray();
        if (expected == null) return parameters;
        for (int i = 0; i < Math.Max(parameters.Length, expected.Count); i++)
        {
            string? actual = i < parameters.Length ? parameters[i].Name : null;
            string? traced = i < expected.Count ? expected[i] : null;
            if (actual != traced)
            {
                throw new InvalidOperationException(
                    $"Parameter {i} is '{actual ?? "(none)"}' at run time but '{traced ?? "(none)"}' in the graph traced at build time: " +
                    "a block's layers must be the ones its constructor creates; rebuild after changing a block.");
            }
        }
        return parameters;
    }

    private static IEnumerable<(string Path, object Node)> Expand(string name, object? child)
    {
        switch (child)
        {
            case ILayer or IModule:
                yield return (name, child);
                break;
            case null:
                yield break; // an optional layer or block left null, as PyTorch's None
            case Array array:
                for (int i = 0; i < array.Length; i++)
                {
                    string path = name + "." + i.ToString(CultureInfo.InvariantCulture);
                    object? element = array.GetValue(i);
                    if (element is ILayer or IModule) yield return (path, element);
                    else throw new InvalidOperationException($"'{path}' is {(element == null ? "null" : element.GetType().Name)}, not a layer or [Module] block.");
                }
                break;
            default:
                throw new InvalidOperationException($"'{name}' is {(child == null ? "null" : child.GetType().Name)}, not a layer, a [Module] block or an array of them.");
        }
    }
}
