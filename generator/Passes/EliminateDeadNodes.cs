using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>Removes every node that no root (output, loss, parameter gradient) depends on, and renumbers.</summary>
    internal static class EliminateDeadNodes
    {
        public static Graph Run(Graph graph)
        {
            var live = new bool[graph.Count];
            foreach (int root in graph.Roots) live[root] = true;
            for (int id = graph.Count - 1; id >= 0; id--)
            {
                if (!live[id]) continue;
                foreach (int input in graph[id].Inputs) live[input] = true;
            }
            return GraphBuilder.Compact(graph, live);
        }
    }
}
