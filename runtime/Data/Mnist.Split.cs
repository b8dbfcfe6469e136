namespace ModelGen.Data;

/// <summary>A training set, an evaluation set, and where they came from.</summary>
/// <param name="Train">The examples to train on.</param>
/// <param name="Eval">The held-out examples to measure accuracy on.</param>
/// <param name="IsMnist">True when both come from the real MNIST files; false for the synthetic fallback.</param>
/// <param name="Report">Where the data was looked for and what was used, for a program to print.</param>
public sealed record TrainEvalData(Dataset Train, Dataset Eval, bool IsMnist, string Report);

public static partial class Mnist
{
    /// <summary>
    /// The split every ModelGen sample and test uses: the MNIST test set (10,000 images) found by
    /// <see cref="Locate(out string, MnistSplit)"/>, its first <paramref name="trainCount"/> images to train on and
    /// the rest to evaluate. When the files are nowhere to be found, it says where it looked and falls back to
    /// <see cref="SyntheticDigits"/>: <paramref name="trainCount"/> training and 10,000 − trainCount evaluation
    /// images drawn with different seeds. Nothing is downloaded.
    /// </summary>
    public static TrainEvalData LoadTrainEvalSplit(int trainCount = 8000)
    {
        const int total = 10_000;
        ArgumentOutOfRangeException.ThrowIfLessThan(trainCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(trainCount, total - 1);
        string? directory = Locate(out string report);
        if (directory != null)
        {
            Dataset all = Load(directory);
            return new TrainEvalData(all.Slice(0, trainCount), all.Slice(trainCount, all.Count - trainCount), true,
                $"MNIST test set from {directory}: first {trainCount} images to train, last {all.Count - trainCount} to evaluate");
        }
        return new TrainEvalData(SyntheticDigits.Generate(trainCount, seed: 1), SyntheticDigits.Generate(total - trainCount, seed: 2), false,
            report + $"\nMNIST not found: using synthetic digits instead ({trainCount} to train, {total - trainCount} to evaluate; see SyntheticDigits).");
    }
}
