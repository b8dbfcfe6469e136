namespace ModelGen.Optim;

/// <summary>
/// A learning-rate schedule (torch's <c>torch.optim.lr_scheduler.LRScheduler</c>): changes the learning rate of
/// every group of an optimizer as steps go by. Create it after the optimizer, and call <see cref="Step"/> once after
/// each <c>optimizer.Step()</c> (or each epoch, for an epoch-based schedule).
/// </summary>
public interface ILRScheduler
{
    /// <summary>Advances the schedule by one step and sets every group's learning rate.</summary>
    void Step();

    /// <summary>The learning rate the schedule last set on the first group (torch's <c>get_last_lr()[0]</c>).</summary>
    double LastLearningRate { get; }

    /// <summary>The learning rates the schedule last set, one per group (torch's <c>get_last_lr()</c>).</summary>
    IReadOnlyList<double> LastLearningRates { get; }

    /// <summary>
    /// A copy of the schedule's state (torch's <c>scheduler.state_dict()</c>, flattened): <c>last_epoch</c>,
    /// <c>base_lrs.&lt;g&gt;</c>, <c>last_lr.&lt;g&gt;</c> and any counters of its own, as 0-d float64 tensors.
    /// The optimizer's learning rates are in the optimizer's state dict.
    /// </summary>
    Dictionary<string, Tensor> StateDict();

    /// <summary>Restores a <see cref="StateDict"/> of the same kind of schedule over as many groups; leaves the optimizer alone.</summary>
    /// <exception cref="ArgumentException">A key is missing.</exception>
    void LoadStateDict(IReadOnlyDictionary<string, Tensor> state);
}
