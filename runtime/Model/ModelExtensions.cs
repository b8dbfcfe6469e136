namespace ModelGen;

/// <summary>Operations on any <see cref="IModel"/>.</summary>
public static class ModelExtensions
{
    /// <summary>
    /// Sets every existing parameter gradient to zero, in place (the tensors stay, so compiled code and
    /// optimizers holding them keep working). Parameters without a gradient yet are left without one.
    /// </summary>
    public static void ZeroGrad(this IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var parameter in model.Parameters()) ClearGradient(parameter.Value);
    }

    /// <summary>
    /// Converts every parameter (and its gradient) and every layer buffer to <paramref name="dtype"/> in place;
    /// float64 serves gradient checks.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="dtype"/> is an integer type (<see cref="DType.Int32"/>, <see cref="DType.Int64"/>).</exception>
    public static void CastInPlace(this IModel model, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var parameter in model.Parameters()) parameter.Value.CastInPlace(dtype);
        foreach (var (_, layer) in model.Layers())
        {
            foreach (var (_, buffer) in layer.NamedBuffers()) buffer.CastInPlace(dtype);
        }
    }

    /// <summary>
    /// Puts every layer with a training mode (batch norm, dropout) into training (<paramref name="training"/> true,
    /// the default state) or evaluation, as PyTorch's <c>module.train(mode)</c>. Affects eager calls only: compiled
    /// Forward always evaluates and TrainStep always trains.
    /// </summary>
    public static void Train(this IModel model, bool training = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var (_, layer) in model.Layers())
        {
            if (layer is ITrainingMode modal) modal.Training = training;
        }
    }

    /// <summary>Puts the model into evaluation: <c>Train(false)</c>, as PyTorch's <c>module.eval()</c>.</summary>
    public static void Eval(this IModel model) => model.Train(false);

    /// <summary>The total number of trainable scalars.</summary>
    /// <exception cref="OverflowException">The count exceeds <see cref="int.MaxValue"/>.</exception>
    public static int ParameterCount(this IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int count = 0;
        foreach (var parameter in model.Parameters()) count = checked(count + parameter.Value.Length);
        return count;
    }

    /// <summary>Zeros a tensor's gradient in place, if it has one.</summary>
    internal static void ClearGradient(Tensor value)
    {
        switch (value.Grad?.DType)
        {
            case DType.Float32: value.Grad.AsSpan().Clear(); break;
            case DType.Float64: value.Grad.AsSpanFloat64().Clear(); break;
        }
    }
}
