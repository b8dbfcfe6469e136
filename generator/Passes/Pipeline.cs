using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// The pass pipeline, in order. The verifier checks the graph after every pass. Each optimisation pass has a
    /// switch (<see cref="PassSwitch"/>, <c>CompileOptions.Passes</c> at run time); the pipeline compiles each setting of
    /// <see cref="PassSwitches.CompiledSettings"/> and keeps each distinct graph once, so a model gets one schedule per
    /// setting that makes a difference to it.
    /// </summary>
    internal static class Pipeline
    {
        /// <summary>Compiles each switch setting; <paramref name="observe"/> sees the graph after each pass with every pass on.</summary>
        public static CompiledGraphs Run(Graph traced, CancellationToken cancellation, Action<string, Graph>? observe = null)
        {
            var memo = new Memo(); // settings share every prefix of passes they agree on
            var forward = new Schedules.Builder();
            Schedules.Builder? training = traced.Loss >= 0 ? new Schedules.Builder() : null;
            foreach (PassSwitch enabled in PassSwitches.CompiledSettings()) // every pass on comes first: schedule 0
            {
                var pass = new Steps(enabled, enabled == PassSwitch.All ? observe : null, memo, cancellation);
                forward.Add(enabled, Inference(traced, pass));
                training?.Add(enabled, Training(traced, pass));
            }
            return new CompiledGraphs(forward.Build(inference: true), training?.Build(inference: false));
        }

        private static Graph Inference(Graph traced, Steps pass)
        {
            // Inference: the forward graph alone.
            Graph inference = pass.Always("inference: " + nameof(EliminateDeadNodes), traced with { Loss = -1, Reports = EquatableArray<int>.Empty }, EliminateDeadNodes.Run); // drop the loss and anything only it read
            inference = pass.Always(nameof(LowerTrainingModes), inference, LowerTrainingModes.ForInference);           // batch norm on running statistics, no dropout
            inference = pass.Run(PassSwitch.RemoveIdentities, inference, RemoveIdentities.Run);                        // x·1, x+0, reshape of reshape
            inference = pass.Run(PassSwitch.FoldConstants, inference, FoldConstants.Run);                              // operators on constants become constants
            inference = pass.Run(PassSwitch.EliminateCommonSubexpressions, inference, EliminateCommonSubexpressions.Run); // each distinct value once
            inference = pass.Run(PassSwitch.FoldBatchNorm, inference, FoldBatchNorm.Run);                              // batch norm into the conv or linear weights before it
            inference = pass.Run(PassSwitch.FuseGemmEpilogue, inference, FuseGemmEpilogue.Run);                        // bias, residual, ReLU into GEMM and conv epilogues
            inference = pass.Run(PassSwitch.FuseElementwise, inference, FuseElementwise.Run);                          // elementwise chains into one loop
            return pass.Always(nameof(EliminateDeadNodes), inference, EliminateDeadNodes.Run);                         // drop what the fusions absorbed
        }

        private static Graph Training(Graph traced, Steps pass)
        {
            // Training: forward, loss and backward in one schedule.
            Graph training = pass.Always("training: " + nameof(LowerTrainingModes), traced, LowerTrainingModes.ForTraining); // batch statistics, dropout masks
            training = pass.Run(PassSwitch.RemoveIdentities, training, RemoveIdentities.Run);                          // fewer forward nodes to differentiate
            training = pass.Run(PassSwitch.EliminateCommonSubexpressions, training, EliminateCommonSubexpressions.Run);
            training = pass.Always(nameof(Differentiate), training, g => Differentiate.Run(g, pass.Cancellation));     // reverse mode, parameters only
            training = pass.Run(PassSwitch.RemoveIdentities, training, RemoveIdentities.Run);                          // the seed's ·1 in gradient rules
            training = pass.Run(PassSwitch.FoldConstants, training, FoldConstants.Run);                                // the seed times a constant factor
            training = pass.Run(PassSwitch.EliminateCommonSubexpressions, training, EliminateCommonSubexpressions.Run); // gradients computed twice
            training = pass.Run(PassSwitch.FuseGemmEpilogue, training, FuseGemmEpilogue.Run);                          // bias, residual, ReLU into GEMM and conv epilogues
            training = pass.Run(PassSwitch.FuseElementwise, training, FuseElementwise.Run);                            // elementwise chains, forward and backward
            return pass.Always(nameof(EliminateDeadNodes), training, EliminateDeadNodes.Run);                          // drop absorbed and unneeded nodes
        }

        /// <summary>
        /// Pass results by (position in the pipeline, input graph). A graph is identified by value, but hashed once per
        /// instance: most inputs are instances this memo handed out before (a switched-off pass returns its input), and
        /// hashing a whole graph at every step of every setting would cost more than the passes.
        /// </summary>
        private sealed class Memo
        {
            private readonly Dictionary<Graph, int> _byInstance = new Dictionary<Graph, int>(ByReference.Instance);
            private readonly Dictionary<Graph, int> _byValue = new Dictionary<Graph, int>();
            private readonly Dictionary<(int Step, int Input), Graph> _results = new Dictionary<(int Step, int Input), Graph>();

            public bool TryGet(int step, Graph input, out Graph result) => _results.TryGetValue((step, IdOf(input)), out result!);

            public void Add(int step, Graph input, Graph result) => _results[(step, IdOf(input))] = result;

            private int IdOf(Graph graph)
            {
                if (_byInstance.TryGetValue(graph, out int id)) return id;
                if (!_byValue.TryGetValue(graph, out id))
                {
                    id = _byValue.Count;
                    _byValue.Add(graph, id);
                }
                _byInstance.Add(graph, id);
                return id;
            }

            private sealed class ByReference : IEqualityComparer<Graph>
            {
                public static readonly ByReference Instance = new ByReference();

                public bool Equals(Graph? x, Graph? y) => ReferenceEquals(x, y);

                public int GetHashCode(Graph obj) => RuntimeHelpers.GetHashCode(obj);
            }
        }

        /// <summary>
        /// Runs the passes of one switch setting: verifies each result and shows it to the observer; a switched-off
        /// pass leaves its input as it is. Results are memoised (<see cref="Memo"/>), so settings that agree up to a
        /// pass share everything before it.
        /// </summary>
        private sealed class Steps
        {
            private readonly PassSwitch _enabled;
            private readonly Action<string, Graph>? _observe;
            private readonly Memo _memo;
            private int _step;

            public Steps(PassSwitch enabled, Action<string, Graph>? observe, Memo memo, CancellationToken cancellation)
            {
                _enabled = enabled;
                _observe = observe;
                _memo = memo;
                Cancellation = cancellation;
            }

            public CancellationToken Cancellation { get; }

            /// <summary>A pass every setting runs: lowering, differentiation, dead-node elimination.</summary>
            public Graph Always(string name, Graph graph, Func<Graph, Graph> pass)
            {
                Cancellation.ThrowIfCancellationRequested();
                int step = _step++;
                if (!_memo.TryGet(step, graph, out Graph result))
                {
                    result = pass(graph);
                    GraphVerifier.Verify(result);
                    _memo.Add(step, graph, result);
                }
                _observe?.Invoke(name, result);
                return result;
            }

            /// <summary>An optimisation pass, run when its switch is on.</summary>
            public Graph Run(PassSwitch optimisation, Graph graph, Func<Graph, Graph> pass)
            {
                if ((_enabled & optimisation) != 0) return Always(optimisation.ToString(), graph, pass);
                _step++;
                return graph;
            }
        }
    }
}
