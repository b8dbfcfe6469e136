using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.IR
{
    /// <summary>
    /// The IR of one model: nodes in schedule order, the forward output, the loss (or -1), the parameter
    /// gradients (after differentiation), the parameters and the batch symbol. Immutable and value-equatable;
    /// passes make new graphs through <see cref="GraphBuilder"/>.
    /// </summary>
    internal sealed record Graph(
        string ModelName,
        string BatchSymbol,
        EquatableArray<Node> Nodes,
        int Output,
        int Loss,
        EquatableArray<GradientBinding> Gradients,
        EquatableArray<ParameterInfo> Parameters)
    {
        public Node this[int id] => Nodes[id];

        public int Count => Nodes.Count;

        /// <summary>The nodes that must survive every pass: the output, the loss and the gradients.</summary>
        public IEnumerable<int> Roots
        {
            get
            {
                if (Output >= 0) yield return Output;
                if (Loss >= 0) yield return Loss;
                foreach (GradientBinding g in Gradients) yield return g.Node;
            }
        }

        /// <summary>For each node, the nodes that read it, in schedule order.</summary>
        public List<int>[] Users()
        {
            var users = Enumerable.Range(0, Count).Select(_ => new List<int>()).ToArray();
            foreach (Node node in Nodes)
            {
                foreach (int input in node.Inputs.Distinct()) users[input].Add(node.Id);
            }
            return users;
        }
    }
}
