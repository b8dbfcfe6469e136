namespace ModelGen;

/// <summary>
/// The graph that the generator traced from a model's <c>Forward</c> and <c>[Loss]</c> methods, as the
/// generator printed it at build time: nodes with their shapes, a named batch dimension left symbolic.
/// </summary>
public sealed class ModelGraph
{
    private readonly string _text;
    private readonly string _dot;

    /// <summary>Created by generated code.</summary>
    public ModelGraph(string text, string dot, int nodeCount)
    {
        _text = text;
        _dot = dot;
        NodeCount = nodeCount;
    }

    /// <summary>How many nodes the forward graph (with the loss) has.</summary>
    public int NodeCount { get; }

    /// <summary>The graph in Graphviz dot syntax.</summary>
    public string ToDot() => _dot;

    /// <summary>The printed graph: one node a line with its op, inputs and shape.</summary>
    public override string ToString() => _text;
}
