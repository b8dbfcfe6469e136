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

    /// <summary>
    /// The step size. Get: the first group's learning rate. Set: the first group's learning rate becomes the value
    /// and every other group's keeps the ratio to it that the groups had at construction (a group built with
    /// twice the first group's rate gets twice the value), so a schedule written against this property scales all
    /// groups proportionally, as torch's schedulers do. Per-group control: <see cref="ParamGroups"/>.
    /// </summary>
    float LearningRate { get; set; }

    /// <summary>The live parameter groups (torch's <c>param_groups</c>), one per group given at construction.</summary>
    IReadOnlyList<OptimizerGroup> ParamGroups { get; }

    /// <summary>
    /// A deep copy of the optimizer's state, flattened from torch's <c>optimizer.state_dict()</c> with dotted keys:
    /// <c>state.&lt;i&gt;.step</c> (a 0-d float64 tensor) and <c>state.&lt;i&gt;.&lt;buffer&gt;</c> (torch's
    /// buffer names, e.g. <c>exp_avg</c>) for parameter i in group order; <c>param_groups.&lt;g&gt;.lr</c>,
    /// <c>.weight_decay</c>, <c>.initial_lr</c> (when set) as 0-d float64 tensors and <c>.params</c> (the group's
    /// parameter indices, int32). Hyper-parameters fixed at construction (betas, eps, momentum) are not included.
    /// </summary>
    Dictionary<string, Tensor> StateDict();

    /// <summary>
    /// Restores a <see cref="StateDict"/> of an optimizer of the same kind over parameters of the same shapes and
    /// grouping: copies the buffers in (converted to each parameter's dtype), the step counts and the groups'
    /// learning rates, weight decays and initial rates.
    /// </summary>
    /// <exception cref="ArgumentException">A key is missing or a shape or grouping does not match.</exception>
    void LoadStateDict(IReadOnlyDictionary<string, Tensor> state);
}
