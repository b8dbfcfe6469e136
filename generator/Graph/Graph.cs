using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.IR
{
    /// <summary>
    /// The IR of one model: nodes in schedule order, the forward outputs (one per element of a returned tuple), the loss (or -1), the parameter
    /// gradients (after differentiation), the parameters and the batch symbol. Immutable and value-equatable;
    /// passes make new graphs through <see cref="GraphBuilder"/>.
    /// </summary>
    internal sealed record Graph(
        string ModelName,
        string BatchSymbol,
        EquatableArray<Node> Nodes,
        EquatableArray<int> Outputs,
        int Loss,
        EquatableArray<GradientBinding> Gradients,
        EquatableArray<ParameterInfo> Parameters)
    {
        public Node this[int id] => Nodes[id];

        public int Count => Nodes.Count;

        /// <summary>The first output (most models have one), or -1.</summary>
        public int Output => Outputs.Count > 0 ? Outputs[0] : -1;

        /// <summary>
        /// Extra scalars the [Loss] returns after the loss itself (its terms, reported by the compiled training step);
        /// not differentiated, and absent from the inference graph.
        /// </summary>
        public EquatableArray<int> Reports { get; init; }

        /// <summary>Whether <paramref name="id"/> is one of the forward outputs.</summary>
        public bool IsOutput(int id) => Outputs.Contains(id);

        /// <summary>The nodes that must survive every pass: the output, the loss and the gradients.</summary>
        public IEnumerable<int> Roots
        {
            get
            {
                foreach (int output in Outputs) yield return output;
                if (Loss >= 0) yield return Loss;
                foreach (int report in Reports) yield return report;
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
