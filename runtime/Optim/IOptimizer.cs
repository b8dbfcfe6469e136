namespace ModelGen.Optim;

/// <summary>Updates a model's parameters from their gradients.</summary>
public interface IOptimizer
{
    /// <summary>
    /// Applies one update to every parameter that has a gradient (<c>Value.Grad</c> not null), reading the
    /// gradient and leaving it unchanged, except that a parameter's <see cref="Parameter.Mask"/> is honoured: the
    /// pruned elements of its gradient, value and optimizer state are zero after the step. Allocates nothing.
    /// </summary>
    void Step();

    /// <summary>Sets every existing parameter gradient to zero in place (PyTorch's <c>zero_grad(set_to_none=False)</c>).</summary>
    void ZeroGrad();

    /// <summary>The step size, which a schedule may change between steps.</summary>
    float LearningRate { get; set; }
}
