using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.IR
{
    /// <summary>A mutable graph for tracing and passes: append nodes, redirect uses, then freeze.</summary>
    internal sealed class GraphBuilder
    {
        private readonly List<Node> _nodes = new List<Node>();

        public GraphBuilder(string modelName, string batchSymbol, IEnumerable<ParameterInfo> parameters)
        {
            ModelName = modelName;
            BatchSymbol = batchSymbol;
            Parameters = parameters.ToList();
        }

        public GraphBuilder(Graph graph) : this(graph.ModelName, graph.BatchSymbol, graph.Parameters)
        {
            _nodes.AddRange(graph.Nodes);
            Outputs = graph.Outputs.ToList();
            Reports = graph.Reports.ToList();
            Loss = graph.Loss;
            Gradients = graph.Gradients.ToList();
        }

        public string ModelName { get; }

        public string BatchSymbol { get; set; }

        public List<ParameterInfo> Parameters { get; }

        /// <summary>The forward outputs, in the order Forward returns them.</summary>
        public List<int> Outputs { get; private set; } = new List<int>();

        public int Loss { get; set; } = -1;

        /// <summary>The loss's extra scalar terms (Graph.Reports).</summary>
        public List<int> Reports { get; private set; } = new List<int>();

        public List<GradientBinding> Gradients { get; private set; } = new List<GradientBinding>();

        public IReadOnlyList<Node> Nodes => _nodes;

        public Node this[int id] => _nodes[id];

        /// <summary>Appends a node (its Id is assigned here) and returns its id.</summary>
        public int Add(Node node)
        {
            _nodes.Add(node with { Id = _nodes.Count });
            return _nodes.Count - 1;
        }

        public int Add(OpKind op, Shape shape, int origin, params int[] inputs)
            => Add(new Node(-1, op, EquatableArray.Create(inputs), shape, origin));

        public void Replace(int id, Node node) => _nodes[id] = node with { Id = id };

        public Graph ToGraph()
            => new Graph(ModelName, BatchSymbol, _nodes.ToEquatableArray(), Outputs.ToEquatableArray(), Loss, Gradients.ToEquatableArray(), Parameters.ToEquatableArray())
            {
                Reports = Reports.ToEquatableArray(),
            };

        /// <summary>
        /// Keeps only the nodes marked live, in order, renumbering ids and inputs; roots are remapped too.
        /// </summary>
        public static Graph Compact(Graph graph, bool[] live)
        {
            var map = new int[graph.Count];
            var nodes = new List<Node>();
            for (int i = 0; i < graph.Count; i++)
            {
                if (!live[i]) { map[i] = -1; continue; }
                map[i] = nodes.Count;
                Node node = graph[i];
                nodes.Add(node with { Id = nodes.Count, Inputs = node.Inputs.Select(x => map[x]).ToEquatableArray() });
            }
            return graph with
            {
                Nodes = nodes.ToEquatableArray(),
                Outputs = graph.Outputs.Select(o => map[o]).ToEquatableArray(),
                Loss = graph.Loss >= 0 ? map[graph.Loss] : -1,
                Reports = graph.Reports.Select(r => map[r]).ToEquatableArray(),
                Gradients = graph.Gradients.Select(g => new GradientBinding(g.Parameter, map[g.Node])).ToEquatableArray(),
            };
        }
    }
}
