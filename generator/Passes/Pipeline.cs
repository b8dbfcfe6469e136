using System;
using System.Threading;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// The graphs and memory plans a model compiles to, and the same model compiled with the fusion passes off
    /// (what <c>CompileOptions.Fusion = false</c> runs; null inside that variant itself).
    /// </summary>
    internal sealed record CompiledGraphs(Graph Inference, MemoryPlan InferencePlan, Graph? Training, MemoryPlan? TrainingPlan)
    {
        public CompiledGraphs? WithoutFusion { get; init; }
    }

    /// <summary>
    /// The pass pipeline, in order. The verifier checks the graph after every pass. Passes marked fusion run only
    /// in the optimised variant; the pruning passes run in both, so the variants differ exactly by fusion.
    /// </summary>
    internal static class Pipeline
    {
        /// <summary>Compiles both variants; <paramref name="observe"/> sees the optimised variant's graph after each pass.</summary>
        public static CompiledGraphs Run(Graph traced, CancellationToken cancellation, Action<string, Graph>? observe = null)
            => Compile(traced, new Steps(fusion: true, observe, cancellation)) with
            {
                WithoutFusion = Compile(traced, new Steps(fusion: false, null, cancellation)),
            };

        private static CompiledGraphs Compile(Graph traced, Steps pass)
        {
            // Inference: the forward graph alone.
            Graph inference = pass.Prune("inference: " + nameof(EliminateDeadNodes), traced with { Loss = -1 }, EliminateDeadNodes.Run); // drop the loss and anything only it read
            inference = pass.Prune(nameof(LowerTrainingModes), inference, LowerTrainingModes.ForInference); // batch norm on running statistics, no dropout
            inference = pass.Prune(nameof(RemoveIdentities), inference, RemoveIdentities.Run);            // x·1, x+0, reshape of reshape
            inference = pass.Prune(nameof(FoldConstants), inference, FoldConstants.Run);                  // operators on constants become constants
            inference = pass.Prune(nameof(EliminateCommonSubexpressions), inference, EliminateCommonSubexpressions.Run); // each distinct value once
            inference = pass.Fuse(nameof(FoldBatchNorm), inference, FoldBatchNorm.Run);                  // batch norm into the conv or linear weights before it
            inference = pass.Fuse(nameof(FuseGemmEpilogue), inference, FuseGemmEpilogue.Run);            // bias, residual, ReLU into GEMM and conv epilogues
            inference = pass.Fuse(nameof(FuseElementwise), inference, FuseElementwise.Run);              // elementwise chains into one loop
            inference = pass.Prune(nameof(EliminateDeadNodes), inference, EliminateDeadNodes.Run);        // drop what the fusions absorbed
            MemoryPlan inferencePlan = PlanMemory.Run(inference, inference: true);                         // slots for MaxBatch, reused when dead

            if (traced.Loss < 0) return new CompiledGraphs(inference, inferencePlan, null, null);

            // Training: forward, loss and backward in one schedule.
            Graph training = pass.Prune("training: " + nameof(LowerTrainingModes), traced, LowerTrainingModes.ForTraining);              // batch statistics, dropout masks
            training = pass.Prune(nameof(RemoveIdentities), training, RemoveIdentities.Run);              // fewer forward nodes to differentiate
            training = pass.Prune(nameof(EliminateCommonSubexpressions), training, EliminateCommonSubexpressions.Run);
            training = pass.Prune(nameof(Differentiate), training, g => Differentiate.Run(g, pass.Cancellation)); // reverse mode, parameters only
            training = pass.Prune(nameof(RemoveIdentities), training, RemoveIdentities.Run);              // the seed's ·1 in gradient rules
            training = pass.Prune(nameof(FoldConstants), training, FoldConstants.Run);                    // the seed times a constant factor
            training = pass.Prune(nameof(EliminateCommonSubexpressions), training, EliminateCommonSubexpressions.Run); // gradients computed twice
            training = pass.Fuse(nameof(FuseGemmEpilogue), training, FuseGemmEpilogue.Run);              // bias, residual, ReLU into GEMM and conv epilogues
            training = pass.Fuse(nameof(FuseElementwise), training, FuseElementwise.Run);                // elementwise chains, forward and backward
            training = pass.Prune(nameof(EliminateDeadNodes), training, EliminateDeadNodes.Run);          // drop absorbed and unneeded nodes
            MemoryPlan trainingPlan = PlanMemory.Run(training, inference: false);                          // forward values live until their backward reader

            return new CompiledGraphs(inference, inferencePlan, training, trainingPlan);
        }

        /// <summary>Runs a pass, verifies its result and shows it to the observer; fusion passes only when fusion is on.</summary>
        private sealed class Steps
        {
            private readonly bool _fusion;
            private readonly Action<string, Graph>? _observe;

            public Steps(bool fusion, Action<string, Graph>? observe, CancellationToken cancellation)
            {
                _fusion = fusion;
                _observe = observe;
                Cancellation = cancellation;
            }

            public CancellationToken Cancellation { get; }

            public Graph Prune(string name, Graph graph, Func<Graph, Graph> pass)
            {
                Cancellation.ThrowIfCancellationRequested();
                Graph result = pass(graph);
                GraphVerifier.Verify(result);
                _observe?.Invoke(name, result);
                return result;
            }

            public Graph Fuse(string name, Graph graph, Func<Graph, Graph> pass) => _fusion ? Prune(name, graph, pass) : graph;
        }
    }
}
