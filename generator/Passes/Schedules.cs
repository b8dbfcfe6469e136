using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>The forward and training schedules a model compiles to; the first of each runs with every pass on.</summary>
    internal sealed class CompiledGraphs
    {
        public CompiledGraphs(Schedules forward, Schedules? training)
        {
            Forward = forward;
            TrainingSchedules = training;
        }

        /// <summary>The distinct inference schedules over the switch settings.</summary>
        public Schedules Forward { get; }

        /// <summary>The distinct training schedules over the switch settings; null when the model has no loss.</summary>
        public Schedules? TrainingSchedules { get; }

        /// <summary>The inference graph with every pass on.</summary>
        public Graph Inference => Forward.Graphs[0];

        public MemoryPlan InferencePlan => Forward.Plans[0];

        /// <summary>The training graph with every pass on; null when the model has no loss.</summary>
        public Graph? Training => TrainingSchedules?.Graphs[0];

        public MemoryPlan? TrainingPlan => TrainingSchedules?.Plans[0];
    }

    /// <summary>
    /// One method's schedules: the distinct graphs that the settings of the pass switches compile to, each with its
    /// memory plan and the setting with the most passes on that gives it, and which schedule each setting runs.
    /// </summary>
    internal sealed class Schedules
    {
        private readonly int[] _bySetting;

        private Schedules(List<Graph> graphs, List<MemoryPlan> plans, List<PassSwitch> representatives, int[] bySetting)
        {
            Graphs = graphs;
            Plans = plans;
            Representatives = representatives;
            _bySetting = bySetting;
        }

        public IReadOnlyList<Graph> Graphs { get; }

        public IReadOnlyList<MemoryPlan> Plans { get; }

        /// <summary>For each schedule, the setting with the most passes on that compiles to it (All for the first).</summary>
        public IReadOnlyList<PassSwitch> Representatives { get; }

        public int Count => Graphs.Count;

        /// <summary>Which schedule the switch setting <paramref name="enabled"/> runs; -1 for a setting not compiled.</summary>
        public int IndexOf(PassSwitch enabled) => _bySetting[(int)enabled];

        public Graph For(PassSwitch enabled) => Graphs[IndexOf(enabled)]; // a compiled setting

        public MemoryPlan PlanFor(PassSwitch enabled) => Plans[IndexOf(enabled)];

        /// <summary>Collects the graph of each setting, keeping equal graphs once, then plans their memory.</summary>
        public sealed class Builder
        {
            private readonly List<Graph> _graphs = new List<Graph>();
            private readonly List<PassSwitch> _representatives = new List<PassSwitch>();
            private readonly int[] _bySetting = Enumerable.Repeat(-1, (int)PassSwitch.All + 1).ToArray();

            public void Add(PassSwitch enabled, Graph graph)
            {
                int index = _graphs.IndexOf(graph);
                if (index < 0)
                {
                    index = _graphs.Count;
                    _graphs.Add(graph);
                    _representatives.Add(enabled);
                }
                _bySetting[(int)enabled] = index;
            }

            public Schedules Build(bool inference)
            {
                var plans = _graphs.ConvertAll(g => PlanMemory.Run(g, inference)); // slots for MaxBatch, reused when dead
                return new Schedules(_graphs, plans, _representatives, _bySetting);
            }
        }
    }
}
