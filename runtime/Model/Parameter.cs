namespace ModelGen;

/// <summary>
/// A named trainable tensor of a model, as <see cref="IModel.Parameters"/> lists it: what optimizers update
/// and what compiled code writes gradients into. It may carry a pruning <see cref="Mask"/> that optimizers honour.
/// </summary>
public sealed partial class Parameter
{
    /// <summary>Wraps <paramref name="value"/> (not a copy) and marks it as requiring a gradient.</summary>
    /// <param name="name">The dotted path of the parameter in its model, for example <c>fc1.weight</c>.</param>
    /// <param name="value">The tensor, shared with the layer that owns it.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not floating-point.</exception>
    public Parameter(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!value.DType.IsFloatingPoint())
        {
            throw new ArgumentException($"Parameter '{name}' must be Float32 or Float64; it is {value.DType}.", nameof(value));
        }
        Name = name;
        Value = value;
        value.RequiresGrad = true;
    }

    /// <summary>The dotted path of the parameter in its model.</summary>
    public string Name { get; }

    /// <summary>The tensor itself, shared with the layer that owns it.</summary>
    public Tensor Value { get; }

    /// <summary>
    /// The gradient, never null: the first read allocates zeros of <see cref="Value"/>'s shape and dtype and
    /// stores them as <c>Value.Grad</c>, so eager backward and compiled code accumulate into the same tensor.
    /// </summary>
    public Tensor Grad => Value.Grad ??= Tensor.ZerosLike(Value);

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Tensor.FormatShape(Value.ShapeSpan)} {Value.DType}";
}
