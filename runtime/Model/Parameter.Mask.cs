using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ModelGen;

// The pruning mask: which elements of the parameter are trained and which are held at exactly zero.
public sealed partial class Parameter
{
    private bool[]? _keep;      // true: trained; false: pruned, held at zero
    private uint[]? _keepBits;  // _keep as all-ones or all-zeros lanes: clears float32 data with one vectorised AND

    /// <summary>Whether a pruning mask is attached (see <see cref="SetMask"/>).</summary>
    public bool IsMasked => _keep is not null;

    /// <summary>
    /// The pruning mask, one flag per element of <see cref="Value"/> in row-major order: true keeps the element,
    /// false prunes it. Empty when no mask is attached.
    /// </summary>
    public ReadOnlySpan<bool> Mask => _keep;

    /// <summary>How many elements the mask prunes (0 without a mask).</summary>
    public int PrunedCount { get; private set; }

    /// <summary>
    /// Attaches a pruning mask (a copy of <paramref name="keep"/>) and zeros the pruned elements of the value and
    /// gradient now. The optimizers in <c>ModelGen.Optim</c> then keep them at exactly zero: each step zeros their
    /// gradient before the update, and their value and optimizer state (momentum, Adam's moments) after it, so
    /// neither weight decay nor momentum can revive them. This holds for compiled <c>TrainStep</c> too, which
    /// calls the optimizer after writing the gradients.
    /// </summary>
    /// <param name="keep">One flag per element of <see cref="Value"/>: true keeps, false prunes.</param>
    /// <exception cref="ArgumentException">The mask's length is not the parameter's element count.</exception>
    public void SetMask(ReadOnlySpan<bool> keep)
    {
        if (keep.Length != Value.Length)
        {
            throw new ArgumentException(
                $"The mask of '{Name}' needs {Value.Length} flags, one per element of {Tensor.FormatShape(Value.ShapeSpan)}; it has {keep.Length}.",
                nameof(keep));
        }
        _keep = keep.ToArray();
        _keepBits = new uint[keep.Length];
        int pruned = 0;
        for (int i = 0; i < keep.Length; i++)
        {
            _keepBits[i] = keep[i] ? uint.MaxValue : 0u;
            if (!keep[i]) pruned++;
        }
        PrunedCount = pruned;
        ApplyMask();
    }

    /// <summary>
    /// Detaches the mask: every element is trained again, starting from its current value (zero where it was
    /// pruned), as <c>torch.nn.utils.prune.remove</c> makes pruning permanent.
    /// </summary>
    public void RemoveMask()
    {
        _keep = null;
        _keepBits = null;
        PrunedCount = 0;
    }

    /// <summary>
    /// Zeros the pruned elements of the value and of the gradient, if any: needed only after something other than
    /// an optimizer wrote the value (for example <c>Initialize</c> or copying weights in).
    /// </summary>
    public void ApplyMask()
    {
        if (_keep is null) return;
        ZeroPruned(Value);
        if (Value.Grad is { } grad) ZeroPruned(grad);
    }

    /// <summary>
    /// Zeros the pruned elements of <paramref name="tensor"/>, a tensor of the value's shape (the gradient or an
    /// optimizer's per-element state). Does nothing without a mask; allocates nothing.
    /// </summary>
    internal void ZeroPruned(Tensor tensor)
    {
        if (_keep is null) return;
        if (tensor.Length != _keep.Length)
        {
            throw new InvalidOperationException($"'{Name}' has {_keep.Length} mask flags but a tensor of {tensor.Length} elements to mask.");
        }
        switch (tensor.DType)
        {
            case DType.Float32:
                // AND with all-zero bits gives +0 exactly, whatever the element held (even NaN).
                Span<uint> bits = MemoryMarshal.Cast<float, uint>(tensor.AsSpan());
                TensorPrimitives.BitwiseAnd<uint>(bits, _keepBits, bits);
                break;
            case DType.Float64:
                Span<double> data = tensor.AsSpanFloat64();
                for (int i = 0; i < data.Length; i++)
                {
                    if (!_keep[i]) data[i] = 0;
                }
                break;
            default:
                throw new InvalidOperationException($"Cannot mask a {tensor.DType} tensor.");
        }
    }
}
