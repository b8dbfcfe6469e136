using System.Numerics;
using ModelGen.Autograd;
using ModelGen.Kernels;

namespace ModelGen;

// Batch normalisation behind BatchNorm1d.Forward and BatchNorm2d.Forward.
public static partial class Ops
{
    /// <summary>
    /// Batch norm of x [N, C, …] with the layer's γ, β and running statistics: batch statistics (updating the running
    /// ones) while training, running statistics otherwise. The backward keeps x and the per-channel statistics.
    /// </summary>
    internal static Tensor BatchNorm(Tensor x, BatchNorm layer, bool training)
    {
        RequireFloatingPoint(x, nameof(BatchNorm));
        return x.DType == DType.Float32 ? BatchNorm<float>(x, layer, training) : BatchNorm<double>(x, layer, training);
    }

    private static Tensor BatchNorm<T>(Tensor x, BatchNorm layer, bool training) where T : IFloatingPointIeee754<T>
    {
        int batch = x.Size(0), channels = x.Size(1), spatial = x.Length / Math.Max(1, batch * channels);
        Tensor gamma = layer.Weight, beta = layer.Bias;
        var stats = new T[2 * channels];
        T eps = T.CreateTruncating(layer.Eps);
        if (training)
        {
            Normalization.BatchNormStatistics<T>(x.Data<T>(), batch, channels, spatial, stats, eps,
                layer.RunningMean.Data<T>(), layer.RunningVar.Data<T>(), T.CreateTruncating(layer.Momentum));
        }
        else
        {
            ReadOnlySpan<T> mean = layer.RunningMean.Data<T>(), variance = layer.RunningVar.Data<T>();
            for (int c = 0; c < channels; c++)
            {
                stats[c] = mean[c];
                stats[channels + c] = T.One / T.Sqrt(variance[c] + eps);
            }
        }
        Tensor y = NewLike(x, x.ShapeSpan);
        Normalization.BatchNormApply<T>(x.Data<T>(), stats, gamma.Data<T>(), beta.Data<T>(), y.Data<T>(), batch, channels, spatial);
        return GradNode.Record(y, nameof(BatchNorm), [x, gamma, beta], dy =>
        {
            Tensor? dx = null, dGamma = null, dBeta = null;
            if (x.RequiresGrad)
            {
                dx = NewLike(x, x.ShapeSpan);
                if (training)
                {
                    Normalization.BatchNormBackwardInput<T>(dy.Data<T>(), x.Data<T>(), stats, gamma.Data<T>(), dx.Data<T>(), batch, channels, spatial);
                }
                else
                {
                    // The running statistics are constants here: dx = dy·γ·invStd.
                    Span<T> d = dx.Data<T>();
                    ReadOnlySpan<T> g = dy.Data<T>(), scale = gamma.Data<T>();
                    for (int i = 0; i < d.Length; i++) d[i] = g[i] * scale[i / spatial % channels] * stats[channels + i / spatial % channels];
                }
            }
            if (gamma.RequiresGrad)
            {
                dGamma = NewLike(gamma, gamma.ShapeSpan);
                Normalization.BatchNormBackwardGamma<T>(dy.Data<T>(), x.Data<T>(), stats, dGamma.Data<T>(), batch, channels, spatial);
            }
            if (beta.RequiresGrad)
            {
                dBeta = NewLike(beta, beta.ShapeSpan);
                Normalization.BatchNormBackwardBeta<T>(dy.Data<T>(), dBeta.Data<T>(), batch, channels, spatial);
            }
            return [dx, dGamma, dBeta];
        });
    }
}
