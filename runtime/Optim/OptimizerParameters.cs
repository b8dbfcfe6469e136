using System.Globalization;

namespace ModelGen.Optim;

/// <summary>What every optimizer does alike: allocate state, check hyper-parameters.</summary>
internal static class OptimizerParameters
{
    /// <summary>One tensor of zeros per parameter, of its shape and dtype: per-parameter optimizer state.</summary>
    public static Tensor[] ZerosLike(Parameter[] parameters)
    {
        var state = new Tensor[parameters.Length];
        for (int i = 0; i < state.Length; i++) state[i] = Tensor.ZerosLike(parameters[i].Value);
        return state;
    }

    /// <summary>
    /// Keeps a state tensor in its parameter's dtype: a model cast after its optimizer was made (a float64
    /// gradient check) converts the state once instead of failing.
    /// </summary>
    public static void MatchDType(Tensor state, Tensor value)
    {
        if (state.DType != value.DType) state.CastInPlace(value.DType);
    }

    /// <summary>Zeros every existing gradient in place.</summary>
    public static void ZeroGrad(Parameter[] parameters)
    {
        foreach (var parameter in parameters) ModelExtensions.ClearGradient(parameter.Value);
    }

    /// <summary>Throws, in PyTorch's words, unless <paramref name="value"/> ≥ 0 (NaN fails).</summary>
    public static void RequireNonNegative(double value, string paramName, string description)
    {
        if (!(value >= 0)) throw OutOfRange(paramName, description, value);
    }

    /// <summary>Throws, in PyTorch's words, unless 0 ≤ beta &lt; 1.</summary>
    public static void RequireBeta(double beta, string paramName, int index)
    {
        if (!(beta >= 0 && beta < 1)) throw OutOfRange(paramName, $"beta parameter at index {index}", beta);
    }

    /// <summary>Throws, in PyTorch's words, unless 0 ≤ value ≤ 1.</summary>
    public static void RequireUnitInterval(double value, string paramName, string description)
    {
        if (!(value >= 0 && value <= 1)) throw OutOfRange(paramName, description, value);
    }

    private static ArgumentOutOfRangeException OutOfRange(string paramName, string description, double value) =>
        new(paramName, $"Invalid {description}: {value.ToString(CultureInfo.InvariantCulture)}");
}
