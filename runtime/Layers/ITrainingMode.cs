namespace ModelGen;

/// <summary>
/// A layer that behaves differently while training, like PyTorch modules with <c>training</c>: batch norm uses
/// batch statistics and dropout drops. Eager calls follow <see cref="Training"/>; compiled code does not need it,
/// because compiled <c>Forward</c> is inference and <c>TrainStep</c> is training by construction.
/// </summary>
public interface ITrainingMode
{
    /// <summary>True while training (the default), false for evaluation.</summary>
    bool Training { get; set; }
}
