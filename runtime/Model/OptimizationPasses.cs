namespace ModelGen;

/// <summary>
/// The optimisation passes of the compiled schedules (generator/Passes/Pipeline.cs), each of which
/// <see cref="CompileOptions.Passes"/> can switch off so that its effect can be measured against its absence. At build
/// time the generator compiles every pass on, every pass but one, every pass but <see cref="Fusion"/> or
/// <see cref="GraphPruning"/>, and <see cref="None"/>, and keeps each distinct schedule once: switching off a pass that
/// changes nothing in a model runs the same code. Lowering, differentiation, dead-node elimination and memory
/// planning always run.
/// </summary>
[Flags]
public enum OptimizationPasses
{
    /// <summary>No optimisation pass: the traced graph, lowered, differentiated and planned.</summary>
    None = 0,

    /// <summary>Removes identities: x·1, x+0, a reshape of a reshape, a reshape to the same shape.</summary>
    RemoveIdentities = 1,

    /// <summary>Evaluates operators whose inputs are all constants at build time.</summary>
    FoldConstants = 2,

    /// <summary>Computes each distinct value once (common-subexpression elimination).</summary>
    EliminateCommonSubexpressions = 4,

    /// <summary>Folds inference batch norm into the weights and bias of the convolution or linear layer before it.</summary>
    FoldBatchNorm = 8,

    /// <summary>Moves bias, residual add and ReLU into the epilogue of the GEMM or convolution that produces their input.</summary>
    FuseGemmEpilogue = 16,

    /// <summary>Runs chains of elementwise operations, forward and backward, as one vector loop.</summary>
    FuseElementwise = 32,

    /// <summary>The graph-pruning passes: identities, constants, common subexpressions.</summary>
    GraphPruning = RemoveIdentities | FoldConstants | EliminateCommonSubexpressions,

    /// <summary>The fusion passes: batch-norm folding, GEMM and convolution epilogues, elementwise chains.</summary>
    Fusion = FoldBatchNorm | FuseGemmEpilogue | FuseElementwise,

    /// <summary>Every pass (the default).</summary>
    All = GraphPruning | Fusion,
}
