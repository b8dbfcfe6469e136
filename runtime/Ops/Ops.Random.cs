namespace ModelGen;

public static partial class Ops
{
    /// <summary>
    /// Standard normal values N(0, 1) of <paramref name="x"/>'s shape and dtype, as PyTorch's <c>torch.randn_like</c>,
    /// drawn from the global generator <see cref="Rng.Default"/> (seed it with <see cref="Rng.Reseed"/>). A compiled
    /// model draws from the same generator in the same order, so eager and compiled runs from one seed agree. The
    /// result is a constant of the graph: no gradient flows through it (the reparameterisation
    /// <c>mu + Exp(0.5f * logVar) * RandnLike(mu)</c> still differentiates mu and logVar).
    /// </summary>
    public static Tensor RandnLike(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!x.DType.IsFloatingPoint()) throw new ArgumentException($"RandnLike draws floats; x is {x.DType}.", nameof(x));
        Tensor noise = Tensor.Create(DType.Float32, x.ShapeSpan);
        lock (Rng.Default) Rng.Default.FillNormal(noise.AsSpan());
        if (x.DType == DType.Float64) noise.CastInPlace(DType.Float64); // the same draws, widened
        return noise;
    }
}
