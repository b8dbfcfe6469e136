namespace ModelGen;

/// <summary>
/// Precision, recall and F1 of a single-label classification, per class and averaged, as scikit-learn's
/// <c>precision_recall_fscore_support</c> computes them. A ratio whose denominator is zero is 0 (scikit-learn's
/// and torchmetrics' <c>zero_division=0</c>). Macro and weighted averages run over the classes that occur in the
/// labels or the predictions (scikit-learn's <c>unique_labels</c>); a class in neither is reported as 0 but not averaged.
/// </summary>
/// <param name="Precision">Per class: TP / (TP + FP).</param>
/// <param name="Recall">Per class: TP / (TP + FN).</param>
/// <param name="F1">Per class: 2·P·R / (P + R).</param>
/// <param name="Support">Per class: how many samples have that label.</param>
/// <param name="MacroPrecision">The unweighted mean of the per-class precisions.</param>
/// <param name="MacroRecall">The unweighted mean of the per-class recalls.</param>
/// <param name="MacroF1">The unweighted mean of the per-class F1 scores (not the F1 of the macro precision and recall).</param>
/// <param name="WeightedF1">The mean of the per-class F1 scores weighted by support.</param>
/// <param name="MicroPrecision">ΣTP / (ΣTP + ΣFP) over all classes; for single-label data, the accuracy.</param>
/// <param name="MicroRecall">ΣTP / (ΣTP + ΣFN); for single-label data, the accuracy.</param>
/// <param name="MicroF1">The F1 of the micro precision and recall.</param>
public sealed record ClassificationScores(
    IReadOnlyList<double> Precision, IReadOnlyList<double> Recall, IReadOnlyList<double> F1, IReadOnlyList<int> Support,
    double MacroPrecision, double MacroRecall, double MacroF1, double WeightedF1,
    double MicroPrecision, double MicroRecall, double MicroF1);
