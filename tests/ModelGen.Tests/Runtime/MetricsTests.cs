using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>The metrics on small examples worked out by hand (the arithmetic is in the comments).</summary>
public class MetricsTests
{
    // Rows and labels:              ranks of the label (ties: lower class first)
    // [0.1, 0.7, 0.2]  label 1  →  0
    // [0.5, 0.3, 0.2]  label 1  →  1 (0.5 ahead)
    // [0.2, 0.2, 0.6]  label 1  →  2 (0.6 ahead; 0.2 of class 0 ties and comes first)
    // [0.4, 0.4, 0.2]  label 0  →  0 (the tie goes to class 0, as argmax)
    private static readonly Tensor Logits = Tensor.FromArray(new[] { 0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f, 0.2f, 0.2f, 0.6f, 0.4f, 0.4f, 0.2f }, 4, 3);
    private static readonly int[] LogitLabels = [1, 1, 1, 0];

    [Fact]
    public void Accuracy_AndTopK_CountLabelsAmongTheLargestLogits()
    {
        Assert.Equal(0.5, ModelGen.Metrics.Accuracy(Logits, LogitLabels));          // ranks 0, 0 of 4 rows
        Assert.Equal(0.5, ModelGen.Metrics.TopKAccuracy(Logits, LogitLabels, 1));
        Assert.Equal(0.75, ModelGen.Metrics.TopKAccuracy(Logits, LogitLabels, 2));  // ranks < 2: rows 0, 1, 3
        Assert.Equal(1.0, ModelGen.Metrics.TopKAccuracy(Logits, LogitLabels, 3));
        Assert.Equal([1, 0, 2, 0], ModelGen.Metrics.Predictions(Logits));
        Assert.Equal(2, ModelGen.Metrics.CountCorrect(Logits, LogitLabels));        // the existing helper agrees
        Assert.Throws<ArgumentException>(() => ModelGen.Metrics.Accuracy(Logits, [1, 1, 3, 0]));
    }

    // actual    0 0 1 1 2 2 2 0, predicted 0 1 1 1 2 0 1 0; class 3 never occurs.
    private static readonly int[] Actual = [0, 0, 1, 1, 2, 2, 2, 0];
    private static readonly int[] Predicted = [0, 1, 1, 1, 2, 0, 1, 0];

    [Fact]
    public void ConfusionMatrix_RowsAreTruthColumnsArePredictions()
    {
        int[,] expected =
        {
            { 2, 1, 0, 0 }, // truth 0: predicted 0 twice (samples 0, 7), 1 once (sample 1)
            { 0, 2, 0, 0 },
            { 1, 1, 1, 0 },
            { 0, 0, 0, 0 },
        };
        Assert.Equal(expected, ModelGen.Metrics.ConfusionMatrix(Actual, Predicted, 4));
        Assert.Throws<ArgumentException>(() => ModelGen.Metrics.ConfusionMatrix([4], [0], 4));
    }

    [Fact]
    public void PrecisionRecallF1_PerClassMacroWeightedMicro()
    {
        // Per class (TP / predicted, TP / actual):  P = [2/3, 2/4, 1/1, 0/0→0], R = [2/3, 2/2, 1/3, 0/0→0]
        // F1 = 2PR/(P+R) = [2/3, 2·0.5·1/1.5 = 2/3, 2·(1/3)/(4/3) = 0.5, 0]
        // Macro over classes 0-2 (class 3 occurs nowhere): P = (2/3 + 1/2 + 1)/3 = 13/18, R = (2/3 + 1 + 1/3)/3 = 2/3,
        // F1 = (2/3 + 2/3 + 1/2)/3 = 11/18. Weighted F1 by support (3, 2, 3): (2 + 4/3 + 1.5)/8 = 29/48.
        // Micro: ΣTP = 5 of 8 samples: P = R = F1 = 5/8.
        var s = ModelGen.Metrics.PrecisionRecallF1(Actual, Predicted, 4);
        var tolerance = new ModelGen.Tests.Optim.Tolerance(1e-15);
        Assert.Equal([2.0 / 3, 0.5, 1, 0], s.Precision, tolerance);
        Assert.Equal([2.0 / 3, 1, 1.0 / 3, 0], s.Recall, tolerance);
        Assert.Equal([2.0 / 3, 2.0 / 3, 0.5, 0], s.F1, tolerance);
        Assert.Equal([3, 2, 3, 0], s.Support);
        Assert.Equal(13.0 / 18, s.MacroPrecision, 1e-15);
        Assert.Equal(2.0 / 3, s.MacroRecall, 1e-15);
        Assert.Equal(11.0 / 18, s.MacroF1, 1e-15);
        Assert.Equal(29.0 / 48, s.WeightedF1, 1e-15);
        Assert.Equal((0.625, 0.625, 0.625), (s.MicroPrecision, s.MicroRecall, s.MicroF1));
    }

    [Fact]
    public void PrecisionRecallF1_ClassNeverPredicted_CountsZeroAndIsAveraged()
    {
        // actual [0, 1], predicted [0, 0]: class 1 has TP = 0 and nothing predicted: P = 0/0 → 0, R = 0/1 = 0, F1 0.
        // Class 0: P = 1/2, R = 1, F1 = 2/3. Macro F1 = (2/3 + 0)/2 = 1/3 (class 1 occurs in the labels).
        var s = ModelGen.Metrics.PrecisionRecallF1([0, 1], [0, 0], 2);
        Assert.Equal([0.5, 0.0], s.Precision);
        Assert.Equal(1.0 / 3, s.MacroF1, 1e-15);
        Assert.Equal(0.25, s.MacroPrecision, 1e-15);
    }

    // labels 1 0 1 0 1 0 with scores 0.9 0.8 0.7 0.7 0.3 0.1: a positive and a negative tie at 0.7.
    private static readonly int[] Binary = [1, 0, 1, 0, 1, 0];
    private static readonly double[] Scores = [0.9, 0.8, 0.7, 0.7, 0.3, 0.1];

    [Fact]
    public void RocAuc_TiedScores_CountHalf()
    {
        // Positive-negative pairs ranked right: 0.9 beats all 3 negatives (3); 0.7 beats 0.1 (1) and ties 0.7 (½);
        // 0.3 beats 0.1 (1). (3 + 1.5 + 1)/(3·3) = 5.5/9.
        Assert.Equal(5.5 / 9, ModelGen.Metrics.RocAuc(Binary, Scores), 1e-15);
        Assert.Equal(1.0, ModelGen.Metrics.RocAuc([0, 1], [0.2, 0.8]));
        Assert.Equal(0.5, ModelGen.Metrics.RocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]));
        Assert.Throws<ArgumentException>(() => ModelGen.Metrics.RocAuc([1, 1], [0.2, 0.8]));
    }

    [Fact]
    public void AveragePrecision_TiedScores_EnterTogether()
    {
        // Thresholds from the top, (TP, called) → (P, R): 0.9 (1, 1) → (1, 1/3); 0.8 (1, 2) → (1/2, 1/3);
        // 0.7 takes both tied samples (2, 4) → (1/2, 2/3); 0.3 (3, 5) → (3/5, 1); 0.1 (3, 6) → (1/2, 1).
        // AP = Σ ΔR·P = (1/3)·1 + 0·(1/2) + (1/3)·(1/2) + (1/3)·(3/5) + 0 = (1 + 0.5 + 0.6)/3 = 0.7.
        Assert.Equal(0.7, ModelGen.Metrics.AveragePrecision(Binary, Scores), 1e-15);
        Assert.Equal(1.0, ModelGen.Metrics.AveragePrecision([0, 1, 1], [0.1, 0.9, 0.8]));
        Assert.Equal(0.0, ModelGen.Metrics.AveragePrecision([0, 0], [0.1, 0.9]));
        Assert.Throws<ArgumentException>(() => ModelGen.Metrics.AveragePrecision([2], [0.1]));
    }

    [Fact]
    public void Regression_MaeMseR2_OnScikitLearnsExample()
    {
        // y = [3, −0.5, 2, 7], ŷ = [2.5, 0, 2, 8]: errors 0.5, 0.5, 0, 1.
        // MAE = 2/4 = 0.5; MSE = (0.25 + 0.25 + 0 + 1)/4 = 0.375; ȳ = 2.875,
        // Σ(y − ȳ)² = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875; R² = 1 − 1.5/29.1875 = 0.9486081370.
        double[] actual = [3, -0.5, 2, 7], predicted = [2.5, 0, 2, 8];
        Assert.Equal(0.5, ModelGen.Metrics.MeanAbsoluteError(actual, predicted), 1e-15);
        Assert.Equal(0.375, ModelGen.Metrics.MeanSquaredError(actual, predicted), 1e-15);
        Assert.Equal(1 - 1.5 / 29.1875, ModelGen.Metrics.R2Score(actual, predicted), 1e-15);
        Assert.Equal(0.9486081370449679, ModelGen.Metrics.R2Score(Tensor.FromArray(actual, 4), Tensor.FromArray(predicted, 4)), 1e-12);
        // Constant targets: 1 for a perfect prediction, else 0 (force_finite).
        Assert.Equal(1.0, ModelGen.Metrics.R2Score([1.0, 1.0], [1.0, 1.0]));
        Assert.Equal(0.0, ModelGen.Metrics.R2Score([1.0, 1.0], [1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => ModelGen.Metrics.MeanSquaredError([1.0], [1.0, 2.0]));
    }
}
