using ModelGen.Data.Transforms;

namespace ModelGen.Training;

/// <summary>
/// Losses composed from <see cref="Ops"/>, so they run eagerly with autograd (call <c>Backward</c> on the result)
/// on float32 or float64 logits. They are not generator operators: a <c>[Model]</c>'s compiled <c>[Loss]</c> cannot
/// call them yet. Each returns a scalar averaged over the batch.
/// </summary>
public static class EagerLosses
{
    /// <summary>
    /// The softmax focal loss of Lin et al. 2017: mean over rows of −α_y·(1 − p_y)^γ·log p_y, where p_y is the
    /// softmax probability of the row's label. γ = 0 without α is cross-entropy; a larger γ down-weights rows the
    /// model already gets right.
    /// </summary>
    /// <param name="logits">[N, C], float32 or float64.</param>
    /// <param name="labels">Int32 [N], each in [0, C).</param>
    /// <param name="gamma">The focusing parameter γ ≥ 0 (the paper's best is 2).</param>
    /// <param name="alpha">Per-class weights α_c (length C), or null for 1 everywhere.</param>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit, or α has the wrong length.</exception>
    public static Tensor FocalLoss(Tensor logits, Tensor labels, double gamma = 2.0, IReadOnlyList<double>? alpha = null)
    {
        var (rows, classes) = RequireClassification(logits, labels, nameof(FocalLoss));
        if (!(gamma >= 0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be non-negative.");
        if (alpha is not null && alpha.Count != classes) throw new ArgumentException($"alpha needs {classes} class weights; got {alpha.Count}.", nameof(alpha));
        ReadOnlySpan<int> y = labels.AsReadOnlySpanInt32();
        Tensor oneHot = Tensor.Zeros(logits.DType, rows, classes);
        for (int i = 0; i < rows; i++) Set(oneHot, i * classes + y[i], 1.0);

        Tensor logPt = Ops.Sum(Ops.LogSoftmax(logits) * oneHot, 1);                // [N]
        Tensor term = gamma == 0 ? logPt : Ops.Pow(1f - Ops.Exp(logPt), (float)gamma) * logPt;
        if (alpha is not null)
        {
            Tensor alphaT = Tensor.Zeros(logits.DType, rows);
            for (int i = 0; i < rows; i++) Set(alphaT, i, alpha[y[i]]);
            term = term * alphaT;
        }
        return -Ops.Mean(term);
    }

    /// <summary>
    /// Knowledge distillation (Hinton et al. 2015): α·CE(student, labels) + (1 − α)·T²·KL(softmax(teacher/T) ‖
    /// softmax(student/T)), the KL divergence averaged per sample (PyTorch's <c>kl_div(..., reduction="batchmean")</c>).
    /// The T² keeps the soft term's gradients the same size as T changes, as the paper prescribes. The teacher's
    /// logits get no gradient (they are detached). α = 1 is plain cross-entropy, α = 0 pure distillation.
    /// </summary>
    /// <param name="studentLogits">[N, C].</param>
    /// <param name="teacherLogits">[N, C], same dtype.</param>
    /// <param name="labels">Int32 [N] hard labels.</param>
    /// <param name="temperature">T &gt; 0 (commonly 2 to 4).</param>
    /// <param name="alpha">The weight of the hard-label term, in [0, 1].</param>
    /// <exception cref="ArgumentException">The shapes or dtypes do not fit.</exception>
    public static Tensor DistillationLoss(Tensor studentLogits, Tensor teacherLogits, Tensor labels, double temperature = 4.0, double alpha = 0.5)
    {
        RequireClassification(studentLogits, labels, nameof(DistillationLoss));
        ArgumentNullException.ThrowIfNull(teacherLogits);
        if (teacherLogits.DType != studentLogits.DType || !teacherLogits.ShapeSpan.SequenceEqual(studentLogits.ShapeSpan))
            throw new ArgumentException($"The teacher's logits must match the student's {studentLogits.DType} {Tensor.FormatShape(studentLogits.ShapeSpan)}.", nameof(teacherLogits));
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive.");
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be in [0, 1].");
        DType dtype = studentLogits.DType;
        Tensor inverseT = Constant(dtype, 1 / temperature);
        Tensor softTargets = Ops.Softmax(teacherLogits.Detach() * inverseT);
        Tensor soft = Ops.KLDiv(Ops.LogSoftmax(studentLogits * inverseT), softTargets) * Constant(dtype, temperature * temperature);
        if (alpha == 0) return soft;
        Tensor hard = Ops.CrossEntropy(studentLogits, labels);
        return alpha == 1 ? hard : hard * Constant(dtype, alpha) + soft * Constant(dtype, 1 - alpha);
    }

    /// <summary>λ·CE(logits, labelsA) + (1 − λ)·CE(logits, labelsB): the loss of a <see cref="Mixup"/> or <see cref="CutMix"/> batch.</summary>
    public static Tensor MixedCrossEntropy(Tensor logits, Tensor labelsA, Tensor labelsB, double lambda)
    {
        if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "lambda must be in [0, 1].");
        ArgumentNullException.ThrowIfNull(logits);
        return Ops.CrossEntropy(logits, labelsA) * Constant(logits.DType, lambda) + Ops.CrossEntropy(logits, labelsB) * Constant(logits.DType, 1 - lambda);
    }

    /// <summary>The loss of a mixed batch: <see cref="MixedCrossEntropy(Tensor, Tensor, Tensor, double)"/> with its labels and λ.</summary>
    public static Tensor MixedCrossEntropy(Tensor logits, MixedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return MixedCrossEntropy(logits, batch.LabelsA, batch.LabelsB, batch.Lambda);
    }

    private static (int Rows, int Classes) RequireClassification(Tensor logits, Tensor labels, string op)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.DType is not (DType.Float32 or DType.Float64) || logits.Rank != 2)
            throw new ArgumentException($"{op} needs float logits [N, C]; got {logits.DType} {Tensor.FormatShape(logits.ShapeSpan)}.", nameof(logits));
        if (labels.DType != DType.Int32 || labels.Rank != 1 || labels.Size(0) != logits.Size(0))
            throw new ArgumentException($"{op} needs Int32 labels [{logits.Size(0)}]; got {labels.DType} {Tensor.FormatShape(labels.ShapeSpan)}.", nameof(labels));
        int classes = logits.Size(1);
        foreach (int label in labels.AsReadOnlySpanInt32())
            if ((uint)label >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), label, $"A label is outside [0, {classes}).");
        return (logits.Size(0), classes);
    }

    // A 0-d constant in the logits' dtype: the float operators would round a float64 loss's weights to float32.
    private static Tensor Constant(DType dtype, double value) =>
        dtype == DType.Float64 ? Tensor.FromArray(new[] { value }) : Tensor.FromArray(new[] { (float)value });

    private static void Set(Tensor tensor, int index, double value)
    {
        if (tensor.DType == DType.Float64) tensor.AsSpanFloat64()[index] = value;
        else tensor.AsSpan()[index] = (float)value;
    }
}
