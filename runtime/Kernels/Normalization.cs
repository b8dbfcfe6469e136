using System.ComponentModel;
using System.Numerics;

namespace ModelGen.Kernels;

/// <summary>
/// Batch normalisation over [N, C, S…] laid out as batch × channels × spatial (S = 1 for [N, C]). Statistics are
/// per channel over N·S values. Training normalises with the batch's mean and biased variance and saves
/// [mean, 1/√(var+ε)] per channel for the backward; the running statistics move by momentum towards the batch
/// mean and the unbiased variance, as PyTorch's <c>nn.BatchNorm</c>. Inference normalises with the running
/// statistics. Nothing allocates.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Normalization
{
    /// <summary>Batch statistics into <paramref name="stats"/> [2·C] = means then inverse deviations; updates the running statistics.</summary>
    public static void BatchNormStatistics<T>(ReadOnlySpan<T> x, int batch, int channels, int spatial, Span<T> stats,
        T eps, Span<T> runningMean, Span<T> runningVar, T momentum) where T : IFloatingPointIeee754<T>
    {
        int count = batch * spatial;
        // PyTorch refuses this too: the variance of one value is 0, and the unbiased running variance divides by 0.
        if (count <= 1)
            throw new ArgumentException(
                $"Batch norm in training needs more than 1 value per channel, but the input has {batch} sample(s) of {spatial} value(s) per channel; " +
                "train with a batch of 2 or more, or call Eval() (compiled Forward always evaluates).", nameof(x));
        for (int c = 0; c < channels; c++)
        {
            T sum = T.Zero;
            for (int n = 0; n < batch; n++) sum += System.Numerics.Tensors.TensorPrimitives.Sum(x.Slice((n * channels + c) * spatial, spatial));
            T mean = sum / T.CreateTruncating(count);
            T squares = T.Zero;
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<T> row = x.Slice((n * channels + c) * spatial, spatial);
                for (int s = 0; s < row.Length; s++) squares += (row[s] - mean) * (row[s] - mean);
            }
            T variance = squares / T.CreateTruncating(count);
            stats[c] = mean;
            stats[channels + c] = T.One / T.Sqrt(variance + eps);
            T unbiased = count > 1 ? squares / T.CreateTruncating(count - 1) : variance;
            runningMean[c] = (T.One - momentum) * runningMean[c] + momentum * mean;
            runningVar[c] = (T.One - momentum) * runningVar[c] + momentum * unbiased;
        }
    }

    /// <summary>y = (x − mean)·invStd·γ + β per channel, from saved statistics [2·C].</summary>
    public static void BatchNormApply<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> stats, ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta,
        Span<T> y, int batch, int channels, int spatial) where T : IFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                T scale = stats[channels + c] * gamma[c], shift = beta[c] - stats[c] * scale;
                int at = (n * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) y[at + s] = x[at + s] * scale + shift;
            }
        }
    }

    /// <summary>Inference: y = (x − runningMean)/√(runningVar + ε)·γ + β.</summary>
    public static void BatchNormInference<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> runningMean, ReadOnlySpan<T> runningVar,
        ReadOnlySpan<T> gamma, ReadOnlySpan<T> beta, Span<T> y, int batch, int channels, int spatial, T eps) where T : IFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                T scale = gamma[c] / T.Sqrt(runningVar[c] + eps), shift = beta[c] - runningMean[c] * scale;
                int at = (n * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) y[at + s] = x[at + s] * scale + shift;
            }
        }
    }

    /// <summary>
    /// dx of training-mode batch norm, through the batch statistics too:
    /// dx = γ·invStd/m · (m·dy − Σdy − x̂·Σ(dy·x̂)) with m = N·S and x̂ = (x − mean)·invStd.
    /// </summary>
    public static void BatchNormBackwardInput<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> stats, ReadOnlySpan<T> gamma,
        Span<T> dx, int batch, int channels, int spatial) where T : IFloatingPointIeee754<T>
    {
        T count = T.CreateTruncating(batch * spatial);
        for (int c = 0; c < channels; c++)
        {
            T mean = stats[c], invStd = stats[channels + c];
            T sumDy = T.Zero, sumDyXhat = T.Zero;
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * spatial;
                for (int s = 0; s < spatial; s++)
                {
                    sumDy += dy[at + s];
                    sumDyXhat += dy[at + s] * (x[at + s] - mean) * invStd;
                }
            }
            T scale = gamma[c] * invStd / count;
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * spatial;
                for (int s = 0; s < spatial; s++)
                    dx[at + s] = scale * (count * dy[at + s] - sumDy - (x[at + s] - mean) * invStd * sumDyXhat);
            }
        }
    }

    /// <summary>dγ = Σ dy·x̂ per channel.</summary>
    public static void BatchNormBackwardGamma<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, ReadOnlySpan<T> stats, Span<T> dGamma,
        int batch, int channels, int spatial) where T : IFloatingPointIeee754<T>
    {
        for (int c = 0; c < channels; c++)
        {
            T mean = stats[c], invStd = stats[channels + c], sum = T.Zero;
            for (int n = 0; n < batch; n++)
            {
                int at = (n * channels + c) * spatial;
                for (int s = 0; s < spatial; s++) sum += dy[at + s] * (x[at + s] - mean) * invStd;
            }
            dGamma[c] = sum;
        }
    }

    /// <summary>dβ = Σ dy per channel.</summary>
    public static void BatchNormBackwardBeta<T>(ReadOnlySpan<T> dy, Span<T> dBeta, int batch, int channels, int spatial)
        where T : IFloatingPointIeee754<T>
    {
        for (int c = 0; c < channels; c++)
        {
            T sum = T.Zero;
            for (int n = 0; n < batch; n++) sum += System.Numerics.Tensors.TensorPrimitives.Sum(dy.Slice((n * channels + c) * spatial, spatial));
            dBeta[c] = sum;
        }
    }

    /// <summary>
    /// An inverted-dropout mask: each element is 0 with probability p, else 1/(1 − p), drawn from
    /// <paramref name="rng"/> in order (p = 1 gives all zeros).
    /// </summary>
    public static void DropoutMask<T>(Rng rng, Span<T> mask, float p) where T : IFloatingPointIeee754<T>
    {
        T keep = p >= 1 ? T.Zero : T.One / T.CreateTruncating(1.0 - p);
        for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextFloat() < p ? T.Zero : keep;
    }
}
