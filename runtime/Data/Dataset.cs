namespace ModelGen.Data;

/// <summary>
/// An in-memory classification data set: <see cref="Count"/> samples of <see cref="FeatureCount"/> float features
/// each, stored row-major in one array, and one integer label per sample in [0, <see cref="ClassCount"/>).
/// </summary>
/// <remarks>
/// The arrays are used as given, not copied: a dataset is a plain container that samplers and training loops read
/// batches from with <see cref="CopyBatch"/>. It holds no tensors so that it can be filled, sliced and shuffled
/// without the autograd runtime.
/// </remarks>
public sealed class Dataset
{
    /// <summary>
    /// Wraps <paramref name="features"/> (row-major, <c>labels.Length × featureCount</c>) and <paramref name="labels"/>.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The feature array's length is not <c>labels.Length × featureCount</c>, or a label is outside [0, classCount).
    /// </exception>
    public Dataset(float[] features, int[] labels, int featureCount, int classCount, string description)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException(
                $"{labels.Length} samples of {featureCount} features need {(long)labels.Length * featureCount} values, not {features.Length}.",
                nameof(features));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"Label {labels[i]} of sample {i} is outside [0, {classCount}).", nameof(labels));
        }
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
        Description = description;
    }

    /// <summary>The features of every sample, row-major: sample <c>i</c> occupies <c>[i × FeatureCount, (i + 1) × FeatureCount)</c>.</summary>
    public float[] Features { get; }

    /// <summary>The class of every sample, each in [0, <see cref="ClassCount"/>).</summary>
    public int[] Labels { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>The number of features of one sample (784 for a 28×28 image).</summary>
    public int FeatureCount { get; }

    /// <summary>The number of classes; every label is below it.</summary>
    public int ClassCount { get; }

    /// <summary>What the data is and where it came from, for logs and sample output.</summary>
    public string Description { get; }

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Row(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"Index {index} is outside the {Count} samples.");
        return Features.AsSpan(index * FeatureCount, FeatureCount);
    }

    /// <summary>
    /// A new dataset holding a <em>copy</em> of samples [<paramref name="start"/>, <paramref name="start"/> +
    /// <paramref name="count"/>): splitting off a validation set yields two independent datasets, and the plain
    /// arrays of this class cannot express a view.
    /// </summary>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if ((long)start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Samples [{start}, {(long)start + count}) are outside the {Count} samples.");
        float[] features = Features.AsSpan(start * FeatureCount, count * FeatureCount).ToArray();
        int[] labels = Labels.AsSpan(start, count).ToArray();
        return new Dataset(features, labels, FeatureCount, ClassCount, $"{Description} [{start}..{start + count})");
    }

    /// <summary>
    /// Copies the samples at <paramref name="indices"/>, in that order, into the first
    /// <c>indices.Length × FeatureCount</c> elements of <paramref name="features"/> and the first
    /// <c>indices.Length</c> elements of <paramref name="labels"/>. Allocates nothing; the destinations may be longer
    /// (a buffer sized for the largest batch) and their tails are left untouched.
    /// </summary>
    /// <exception cref="ArgumentException">A destination is too short.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, <see cref="Count"/>).</exception>
    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        if ((long)indices.Length * FeatureCount > features.Length)
            throw new ArgumentException($"{indices.Length} samples need {(long)indices.Length * FeatureCount} feature values; the destination holds {features.Length}.", nameof(features));
        if (indices.Length > labels.Length)
            throw new ArgumentException($"{indices.Length} samples need {indices.Length} labels; the destination holds {labels.Length}.", nameof(labels));
        ReadOnlySpan<float> source = Features;
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Index {index} at position {i} is outside the {Count} samples.");
            source.Slice(index * FeatureCount, FeatureCount).CopyTo(features.Slice(i * FeatureCount, FeatureCount));
            labels[i] = Labels[index];
        }
    }

    /// <summary>How many samples each class has: element <c>c</c> counts the labels equal to <c>c</c>.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>The <see cref="Description"/>.</summary>
    public override string ToString() => Description;
}
