namespace ModelGen.Optim;

/// <summary>
/// Gradient clipping as <c>torch.nn.utils</c> defines it, in place on each parameter's <c>Value.Grad</c>
/// (parameters without a gradient are skipped). Both methods allocate nothing when given an
/// <see cref="IReadOnlyList{T}"/> (such as <see cref="IModel.Parameters"/>), so they can run between a compiled
/// model's <c>ComputeGradients</c> and <c>optimizer.Step()</c>.
/// </summary>
public static class GradientClipping
{
    /// <summary>
    /// <c>clip_grad_norm_</c>: the total p-norm of all gradients taken together, ‖(‖g₁‖_p, …, ‖gₙ‖_p)‖_p, and, when
    /// the clip coefficient <c>maxNorm / (total + 1e-6)</c> is below 1, every gradient multiplied by it.
    /// Norms are accumulated in float64.
    /// </summary>
    /// <param name="parameters">The parameters whose gradients to clip.</param>
    /// <param name="maxNorm">The largest total norm allowed.</param>
    /// <param name="normType">p &gt; 0, or <see cref="double.PositiveInfinity"/> for the largest absolute value.</param>
    /// <returns>The total norm before clipping.</returns>
    public static double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm, double normType = 2)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(normType > 0)) throw new ArgumentOutOfRangeException(nameof(normType), "The norm type must be positive (or infinity).");
        bool infinity = double.IsPositiveInfinity(normType);
        double accumulated = 0;
        if (parameters is IReadOnlyList<Parameter> list)
        {
            for (int i = 0; i < list.Count; i++) accumulated = Accumulate(accumulated, list[i], normType, infinity);
        }
        else
        {
            foreach (var parameter in parameters) accumulated = Accumulate(accumulated, parameter, normType, infinity);
        }
        double total = infinity ? accumulated : normType == 2 ? Math.Sqrt(accumulated) : Math.Pow(accumulated, 1 / normType);
        double coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1) Scale(parameters, coefficient);
        return total;
    }

    /// <summary><c>clip_grad_value_</c>: clamps every gradient element into [−clipValue, clipValue].</summary>
    /// <param name="parameters">The parameters whose gradients to clip.</param>
    /// <param name="clipValue">The largest absolute value allowed, ≥ 0.</param>
    public static void ClipGradValue(IEnumerable<Parameter> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(clipValue);
        if (parameters is IReadOnlyList<Parameter> list)
        {
            for (int i = 0; i < list.Count; i++) Clamp(list[i], clipValue);
        }
        else
        {
            foreach (var parameter in parameters) Clamp(parameter, clipValue);
        }
    }

    // Σ|g|^p over one gradient added to the running sum (or the running maximum of |g| for p = ∞). With p = 2,
    // torch sums the squares of per-tensor norms, which is the sum of all squares.
    private static double Accumulate(double accumulated, Parameter parameter, double p, bool infinity)
    {
        Tensor? grad = parameter.Value.Grad;
        if (grad is null) return accumulated;
        if (grad.DType == DType.Float32)
        {
            foreach (float g in grad.AsSpan()) accumulated = Combine(accumulated, Math.Abs((double)g), p, infinity);
        }
        else
        {
            foreach (double g in grad.AsSpanFloat64()) accumulated = Combine(accumulated, Math.Abs(g), p, infinity);
        }
        return accumulated;
    }

    private static double Combine(double accumulated, double magnitude, double p, bool infinity) =>
        infinity ? Math.Max(accumulated, magnitude)
        : p == 2 ? accumulated + magnitude * magnitude
        : p == 1 ? accumulated + magnitude
        : accumulated + Math.Pow(magnitude, p);

    private static void Scale(IEnumerable<Parameter> parameters, double coefficient)
    {
        if (parameters is IReadOnlyList<Parameter> list)
        {
            for (int i = 0; i < list.Count; i++) Scale(list[i], coefficient);
        }
        else
        {
            foreach (var parameter in parameters) Scale(parameter, coefficient);
        }
    }

    private static void Scale(Parameter parameter, double coefficient)
    {
        Tensor? grad = parameter.Value.Grad;
        if (grad is null) return;
        if (grad.DType == DType.Float32)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(grad.AsSpan(), (float)coefficient, grad.AsSpan());
        }
        else
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(grad.AsSpanFloat64(), coefficient, grad.AsSpanFloat64());
        }
    }

    private static void Clamp(Parameter parameter, double clipValue)
    {
        Tensor? grad = parameter.Value.Grad;
        if (grad is null) return;
        if (grad.DType == DType.Float32)
        {
            Span<float> g = grad.AsSpan();
            float limit = (float)clipValue;
            for (int i = 0; i < g.Length; i++) g[i] = Math.Clamp(g[i], -limit, limit);
        }
        else
        {
            Span<double> g = grad.AsSpanFloat64();
            for (int i = 0; i < g.Length; i++) g[i] = Math.Clamp(g[i], -clipValue, clipValue);
        }
    }
}
