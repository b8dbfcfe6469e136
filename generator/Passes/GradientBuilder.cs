using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// What an operator's gradient rule writes with: appends backward nodes, and sums every contribution to a
    /// forward value's gradient (a value used twice gets both), reducing broadcast gradients to the value's shape.
    /// </summary>
    internal sealed class GradientBuilder
    {
        private readonly GraphBuilder _graph;
        private readonly bool[] _needsGrad;
        private readonly Dictionary<int, int> _gradients = new Dictionary<int, int>();

        public GradientBuilder(GraphBuilder graph, bool[] needsGrad)
        {
            _graph = graph;
            _needsGrad = needsGrad;
        }

        public Node this[int id] => _graph[id];

        /// <summary>True when a parameter's gradient flows through this forward value.</summary>
        public bool NeedsGrad(int id) => id < _needsGrad.Length && _needsGrad[id];

        public bool TryGetGradient(int id, out int gradient) => _gradients.TryGetValue(id, out gradient);

        public void Seed(int id, int gradient) => _gradients[id] = gradient;

        public int Add(Node node) => _graph.Add(node);

        public int Add(OpKind op, Shape shape, params int[] inputs) => _graph.Add(op, shape, -1, inputs);

        public void Accumulate(int target, int gradient)
        {
            if (!NeedsGrad(target)) return;
            Shape shape = _graph[target].Shape;
            if (!Equals(_graph[gradient].Shape, shape))
                gradient = _graph.Add(new Node(-1, OpKind.SumTo, EquatableArray.Create(gradient), shape, -1));
            _gradients[target] = _gradients.TryGetValue(target, out int previous)
                ? _graph.Add(OpKind.Add, shape, -1, previous, gradient)
                : gradient;
        }
    }
}
