using ModelGen.Autograd;

namespace ModelGen;

// Eager reverse-mode autograd: which tensors take part, where gradients land, and the entry point.
public sealed partial class Tensor
{
    private bool _requiresGrad;
    private Tensor? _grad;

    /// <summary>
    /// Whether gradients flow to this tensor. Set it on leaves (inputs, weights); an op's result requires a
    /// gradient exactly when one of its inputs does. Int32 tensors never do.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Setting it on an Int32 tensor, or clearing it on an op's result (detach that instead).
    /// </exception>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (value == _requiresGrad) return;
            if (GradFn is not null)
            {
                throw new InvalidOperationException(
                    $"RequiresGrad can only be cleared on leaf tensors; this one is the result of {GradFn.Name}. Use Detach().");
            }
            if (value && !DType.IsFloatingPoint())
            {
                throw new InvalidOperationException($"Only floating-point tensors can require gradients; this one is {DType}.");
            }
            _requiresGrad = value;
        }
    }

    /// <summary>True when no recorded op produced this tensor: gradients accumulate into the <see cref="Grad"/> of leaves.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>
    /// The gradient accumulated by <see cref="Backward"/> into this leaf, or null before the first one.
    /// Results of ops keep no gradient.
    /// </summary>
    /// <exception cref="ArgumentException">Setting a gradient whose shape or dtype differs from this tensor's.</exception>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            if (value is not null && (value.DType != DType || !value.ShapeSpan.SequenceEqual(ShapeSpan)))
            {
                throw new ArgumentException(
                    $"A gradient of shape {FormatShape(value.ShapeSpan)} {value.DType} does not fit a tensor of shape " +
                    $"{FormatShape(ShapeSpan)} {DType}.", nameof(value));
            }
            _grad = value;
        }
    }

    /// <summary>The recorded op that produced this tensor, or null for a leaf.</summary>
    internal GradNode? GradFn { get; private set; }

    /// <summary>
    /// Back-propagates from this one-element tensor (a loss): seeds d(this)/d(this) = 1 and ADDS the gradient of
    /// this tensor with respect to every reachable leaf that requires a gradient into that leaf's
    /// <see cref="Grad"/>, as PyTorch does. Calling it twice accumulates twice; clear gradients between steps.
    /// The graph is kept, so it may be called again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor has more than one element or does not require a gradient.</exception>
    public void Backward() => BackwardPass.Run(this);

    /// <summary>
    /// A tensor sharing this one's storage but cut from the graph: it does not require a gradient and
    /// gradients do not flow through it. It shares this tensor's <see cref="Version"/> counter too.
    /// </summary>
    public Tensor Detach() => ShareStorage((int[])_shape.Clone());

    /// <summary>Records <paramref name="node"/> as the op that produced this fresh result.</summary>
    internal void SetGradFn(GradNode node)
    {
        GradFn = node;
        _requiresGrad = true;
    }
}
