namespace ModelGen.Data.Transforms;

/// <summary>
/// torchvision's <c>Normalize(mean, std)</c>: every value of channel c becomes (x − mean[c]) / std[c]. A single
/// mean and std apply to every channel. Deterministic.
/// </summary>
public sealed class Normalize : IBatchTransform
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Per-channel means and standard deviations (one value each for every channel alike).</summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, or a std is not positive.</exception>
    public Normalize(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length) throw new ArgumentException($"Give as many means as stds (at least one); got {mean.Length} and {std.Length}.");
        foreach (float s in std) if (!(s > 0)) throw new ArgumentException($"Every std must be positive; got {s}.", nameof(std));
        _mean = (float[])mean.Clone();
        _std = (float[])std.Clone();
    }

    /// <summary>One mean and std for every channel (MNIST: 0.1307, 0.3081).</summary>
    public Normalize(float mean, float std) : this([mean], [std])
    {
    }

    /// <inheritdoc/>
    public void Apply(Tensor features, Tensor labels)
    {
        var layout = ImageBatch.Of(features);
        if (_mean.Length != 1 && _mean.Length != layout.Channels)
            throw new ArgumentException($"Normalize has {_mean.Length} channel statistics; the batch has {layout.Channels} channels.", nameof(features));
        Span<float> data = features.AsSpan();
        for (int n = 0; n < layout.Count; n++)
        {
            for (int c = 0; c < layout.Channels; c++)
            {
                float mean = _mean[_mean.Length == 1 ? 0 : c], inverse = 1f / _std[_std.Length == 1 ? 0 : c];
                Span<float> plane = data.Slice(n * layout.ImageSize + c * layout.PlaneSize, layout.PlaneSize);
                for (int i = 0; i < plane.Length; i++) plane[i] = (plane[i] - mean) * inverse;
            }
        }
        features.MarkModified();
    }
}
