using System.Globalization;

namespace ModelGen.Data;

/// <summary>Which half of the MNIST distribution to read.</summary>
public enum MnistSplit
{
    /// <summary>The 10,000 test images: <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>.</summary>
    Test,

    /// <summary>The 60,000 training images: <c>train-images-idx3-ubyte</c> and <c>train-labels-idx1-ubyte</c>.</summary>
    Train,
}

/// <summary>
/// Loads the MNIST handwritten digits from the original IDX files, raw or gzip-compressed, from a local folder.
/// Never downloads: <see cref="Locate(out string, MnistSplit)"/> finds a folder that holds the files and says
/// where it looked when none does.
/// </summary>
/// <remarks>
/// Pixels become features the way the PyTorch MNIST example prepares them (<c>ToTensor</c> then
/// <c>Normalize((0.1307,), (0.3081,))</c>): <c>(pixel / 255 − 0.1307) / 0.3081</c>, or just <c>pixel / 255</c> when
/// normalisation is off.
/// </remarks>
public static partial class Mnist
{
    /// <summary>The height and width of an MNIST image.</summary>
    public const int ImageSize = 28;

    /// <summary>The number of features of one image: 28 × 28.</summary>
    public const int PixelCount = ImageSize * ImageSize;

    /// <summary>The number of classes: the digits 0 to 9.</summary>
    public const int ClassCount = 10;

    /// <summary>The mean of MNIST's training pixels scaled to [0, 1], as used by the PyTorch examples.</summary>
    public const float Mean = 0.1307f;

    /// <summary>The standard deviation of MNIST's training pixels scaled to [0, 1], as used by the PyTorch examples.</summary>
    public const float StandardDeviation = 0.3081f;

    // One entry per byte value: conversion becomes a lookup, and every caller gets bit-identical features.
    private static readonly float[] NormalizedTable = BuildTable(normalize: true);
    private static readonly float[] ScaledTable = BuildTable(normalize: false);

    /// <summary>The file name (without <c>.gz</c>) of the images of <paramref name="split"/>.</summary>
    public static string ImagesFileName(MnistSplit split) => $"{Prefix(split)}-images-idx3-ubyte";

    /// <summary>The file name (without <c>.gz</c>) of the labels of <paramref name="split"/>.</summary>
    public static string LabelsFileName(MnistSplit split) => $"{Prefix(split)}-labels-idx1-ubyte";

    /// <summary>
    /// Loads one split from <paramref name="directory"/>, which holds its images and labels files, each either raw or
    /// with a <c>.gz</c> suffix (the raw file is preferred when both exist). Features are
    /// <c>(pixel / 255 − 0.1307) / 0.3081</c> when <paramref name="normalize"/>, else <c>pixel / 255</c>.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message names both names tried.</exception>
    /// <exception cref="InvalidDataException">
    /// A file is not a valid IDX file, the images are not 28×28, the counts of images and labels differ, or a label
    /// is not a digit.
    /// </exception>
    public static Dataset Load(string directory, MnistSplit split = MnistSplit.Test, bool normalize = true)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string imagesPath = FindFile(directory, ImagesFileName(split))
            ?? throw Missing(directory, ImagesFileName(split));
        string labelsPath = FindFile(directory, LabelsFileName(split))
            ?? throw Missing(directory, LabelsFileName(split));

        IdxArray images = IdxReader.Read(imagesPath);
        IdxArray labels = IdxReader.Read(labelsPath);
        if (images.Shape.Length != 3 || images.Shape[1] != ImageSize || images.Shape[2] != ImageSize)
            throw new InvalidDataException($"'{imagesPath}' holds an array of shape [{string.Join(", ", images.Shape)}]; MNIST images are [count, 28, 28].");
        string description = string.Create(CultureInfo.InvariantCulture,
            $"MNIST {Prefix(split)}: {images.ItemCount} images 28x28 from {Path.GetFullPath(directory)}, {FeatureText(normalize)}");
        return CreateDataset(images, labels, imagesPath, labelsPath, normalize, description);
    }

    /// <summary>
    /// Converts pixels (0 to 255) to features: <c>(pixel / 255 − 0.1307) / 0.3081</c> when <paramref name="normalize"/>,
    /// else <c>pixel / 255</c>. Use it to prepare one's own 28×28 images exactly as <see cref="Load"/> does.
    /// </summary>
    public static void ToFeatures(ReadOnlySpan<byte> pixels, Span<float> features, bool normalize = true)
    {
        if (features.Length < pixels.Length)
            throw new ArgumentException($"{pixels.Length} pixels need {pixels.Length} features; the destination holds {features.Length}.", nameof(features));
        float[] table = normalize ? NormalizedTable : ScaledTable;
        for (int i = 0; i < pixels.Length; i++) features[i] = table[pixels[i]];
    }

    /// <summary>The path of <paramref name="fileName"/> or <paramref name="fileName"/><c>.gz</c> in <paramref name="directory"/>; null when neither exists.</summary>
    public static string? FindFile(string directory, string fileName)
    {
        string raw = Path.Combine(directory, fileName);
        if (File.Exists(raw)) return raw;
        string compressed = raw + ".gz";
        return File.Exists(compressed) ? compressed : null;
    }

    /// <summary>
    /// Builds a 10-class dataset from an image array [count, …] and a label array [count], checking that the counts
    /// agree and every label is a digit. Shared with <see cref="SyntheticDigits"/> so both prepare pixels identically.
    /// </summary>
    internal static Dataset CreateDataset(IdxArray images, IdxArray labels, string imagesSource, string labelsSource,
        bool normalize, string description)
    {
        if (labels.Shape.Length != 1)
            throw new InvalidDataException($"'{labelsSource}' holds an array of shape [{string.Join(", ", labels.Shape)}]; labels are one-dimensional [count].");
        if (images.ItemCount != labels.ItemCount)
            throw new InvalidDataException($"'{imagesSource}' holds {images.ItemCount} images but '{labelsSource}' holds {labels.ItemCount} labels; the counts must agree.");
        var labelValues = new int[labels.ItemCount];
        for (int i = 0; i < labelValues.Length; i++)
        {
            byte label = labels.Data[i];
            if (label >= ClassCount)
                throw new InvalidDataException($"'{labelsSource}': label {i} is {label}; MNIST labels are digits 0 to 9.");
            labelValues[i] = label;
        }
        var features = new float[images.Data.Length];
        ToFeatures(images.Data, features, normalize);
        return new Dataset(features, labelValues, images.ItemSize, ClassCount, description);
    }

    /// <summary>How features were derived from pixels, for dataset descriptions.</summary>
    internal static string FeatureText(bool normalize)
        => normalize ? "features (pixel/255 - 0.1307)/0.3081" : "features pixel/255";

    private static float[] BuildTable(bool normalize)
    {
        var table = new float[256];
        for (int value = 0; value < table.Length; value++)
        {
            float scaled = value / 255f;
            table[value] = normalize ? (scaled - Mean) / StandardDeviation : scaled;
        }
        return table;
    }

    private static string Prefix(MnistSplit split) => split switch
    {
        MnistSplit.Test => "t10k",
        MnistSplit.Train => "train",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown MNIST split."),
    };

    private static FileNotFoundException Missing(string directory, string fileName)
        => new($"MNIST file '{fileName}' (or '{fileName}.gz') not found in '{Path.GetFullPath(directory)}'.",
            Path.Combine(directory, fileName));
}
