using System.Threading;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>The graphs and memory plans a model compiles to.</summary>
    internal sealed record CompiledGraphs(Graph Inference, MemoryPlan InferencePlan, Graph? Training, MemoryPlan? TrainingPlan);

    /// <summary>The pass pipeline, in order. The verifier checks the graph after every pass.</summary>
    internal static class Pipeline
    {
        public static CompiledGraphs Run(Graph traced, CancellationToken cancellation)
        {
            // Inference: the forward graph alone.
            Graph inference = Apply(traced with { Loss = -1 }, EliminateDeadNodes.Run);   // drop the loss and anything only it read
            inference = Apply(inference, LowerTrainingModes.ForInference);                 // batch norm on running statistics, no dropout
            inference = Apply(inference, FuseGemmEpilogue.Run);                            // bias and ReLU into GEMM epilogues
            inference = Apply(inference, EliminateDeadNodes.Run);                          // drop the GEMMs the fusion absorbed
            MemoryPlan inferencePlan = PlanMemory.Run(inference, inference: true);         // slots for MaxBatch, reused when dead

            if (traced.Loss < 0) return new CompiledGraphs(inference, inferencePlan, null, null);

            // Training: forward, loss and backward in one schedule.
            Graph training = Apply(traced, LowerTrainingModes.ForTraining);                // batch statistics, dropout masks
            training = Apply(training, g => Differentiate.Run(g, cancellation));            // reverse mode, parameters only
            training = Apply(training, FuseGemmEpilogue.Run);                              // bias and ReLU into GEMM epilogues
            training = Apply(training, EliminateDeadNodes.Run);                            // drop absorbed and unneeded nodes
            MemoryPlan trainingPlan = PlanMemory.Run(training, inference: false);          // forward values live until their backward reader

            return new CompiledGraphs(inference, inferencePlan, training, trainingPlan);
        }

        private static Graph Apply(Graph graph, System.Func<Graph, Graph> pass)
        {
            Graph result = pass(graph);
            GraphVerifier.Verify(result);
            return result;
        }
    }
}
