using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// A <see cref="Parameter.Mask"/> holds through every optimizer's steps: pruned weights and gradients are exactly
/// zero after each step (weight decay and momentum included), kept weights follow the unmasked update exactly, and
/// the optimizer's state for pruned weights is cleared, so removing the mask later cannot let momentum revive them.
/// </summary>
public class MaskedOptimizerTests
{
    private const int Length = 37; // one vector or more plus a scalar tail, whatever the vector width

    public static TheoryData<string> Optimizers() =>
    [
        "sgd", "sgd-momentum", "sgd-nesterov", "sgd-momentum-dampening-weight-decay", "sgd-weight-decay",
        "adam", "adam-weight-decay", "adamw", "adam-amsgrad", "adamw-amsgrad",
        "rmsprop-centered-momentum-weight-decay", "adagrad-weight-decay", "adadelta-weight-decay", "lion-weight-decay",
    ];

    private static IOptimizer Create(string kind, Parameter parameter) => kind switch
    {
        "sgd" => new Sgd([parameter], lr: 0.1),
        "sgd-momentum" => new Sgd([parameter], lr: 0.1, momentum: 0.9),
        "sgd-nesterov" => new Sgd([parameter], lr: 0.05, momentum: 0.9, nesterov: true),
        "sgd-momentum-dampening-weight-decay" => new Sgd([parameter], lr: 0.1, momentum: 0.5, weightDecay: 0.05, dampening: 0.1),
        "sgd-weight-decay" => new Sgd([parameter], lr: 0.1, weightDecay: 0.1),
        "adam" => new Adam([parameter], lr: 0.01),
        "adam-weight-decay" => new Adam([parameter], lr: 0.01, weightDecay: 0.1),
        "adamw" => new AdamW([parameter], lr: 0.01, weightDecay: 0.1),
        "adam-amsgrad" => new Adam([parameter], lr: 0.01, weightDecay: 0.1, amsgrad: true),
        "adamw-amsgrad" => new AdamW([parameter], lr: 0.01, weightDecay: 0.1, amsgrad: true),
        "rmsprop-centered-momentum-weight-decay" => new RMSprop([parameter], lr: 0.01, weightDecay: 0.1, momentum: 0.9, centered: true),
        "adagrad-weight-decay" => new Adagrad([parameter], lr: 0.1, weightDecay: 0.1, initialAccumulatorValue: 0.1),
        "adadelta-weight-decay" => new Adadelta([parameter], weightDecay: 0.1),
        "lion-weight-decay" => new Lion([parameter], lr: 0.01, weightDecay: 0.1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Parameter NewParameter(DType dtype)
    {
        var values = new double[Length];
        for (int i = 0; i < Length; i++) values[i] = Math.Sin(i + 1) + 0.1 * Math.Sign(Math.Sin(i + 1));
        Tensor tensor = Tensor.FromArray(values, Length);
        tensor.CastInPlace(dtype);
        return new Parameter("w", tensor);
    }

    private static void SetGradient(Parameter parameter, int step)
    {
        for (int i = 0; i < Length; i++)
        {
            double g = Math.Cos(0.7 * i + step) + 0.3;
            if (parameter.Value.DType == DType.Float32) parameter.Grad.AsSpan()[i] = (float)g;
            else parameter.Grad.AsSpanFloat64()[i] = g;
        }
    }

    private static bool[] KeepEveryThird() => [.. Enumerable.Range(0, Length).Select(i => i % 3 != 1)];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Step_WithMask_PrunedStayExactlyZeroAndKeptMatchTheUnmaskedRun(string kind)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            Parameter masked = NewParameter(dtype), reference = NewParameter(dtype);
            IOptimizer maskedOptimizer = Create(kind, masked), referenceOptimizer = Create(kind, reference);
            // A few dense steps first, so momentum and moments are non-zero when the mask arrives.
            for (int step = 0; step < 3; step++)
            {
                SetGradient(masked, step);
                SetGradient(reference, step);
                maskedOptimizer.Step();
                referenceOptimizer.Step();
            }
            bool[] keep = KeepEveryThird();
            masked.SetMask(keep);
            for (int step = 3; step < 10; step++)
            {
                SetGradient(masked, step);
                SetGradient(reference, step);
                maskedOptimizer.Step();
                referenceOptimizer.Step();

                double[] value = masked.Value.ToArrayFloat64(), expected = reference.Value.ToArrayFloat64();
                double[] grad = masked.Grad.ToArrayFloat64();
                for (int i = 0; i < Length; i++)
                {
                    if (keep[i])
                    {
                        Assert.Equal(expected[i], value[i]);
                    }
                    else
                    {
                        // Positive zero exactly: the bits, not just == 0.
                        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(value[i]));
                        Assert.Equal(0, grad[i]);
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void RemoveMask_AfterMaskedSteps_ZeroGradientStepLeavesPrunedAtZero(string kind)
    {
        // Had momentum or Adam's moments kept their pre-mask state, this step would move the pruned weights.
        Parameter parameter = NewParameter(DType.Float32);
        IOptimizer optimizer = Create(kind, parameter);
        for (int step = 0; step < 3; step++)
        {
            SetGradient(parameter, step);
            optimizer.Step();
        }
        parameter.SetMask(KeepEveryThird());
        SetGradient(parameter, 3);
        optimizer.Step();
        parameter.RemoveMask();
        parameter.Grad.AsSpan().Clear();
        optimizer.Step();

        float[] value = parameter.Value.ToArray();
        for (int i = 1; i < Length; i += 3) Assert.Equal(0f, value[i]);
    }

    [Fact]
    public void RemoveMask_WithoutMaskedStep_MomentumWouldMoveTheWeight()
    {
        // The control for the test above: the same zero-gradient step does move a weight whose momentum is live.
        Parameter parameter = NewParameter(DType.Float32);
        var optimizer = new Sgd([parameter], lr: 0.1, momentum: 0.9);
        SetGradient(parameter, 0);
        optimizer.Step();
        parameter.Value.AsSpan()[1] = 0;
        parameter.Grad.AsSpan().Clear();
        optimizer.Step();
        Assert.NotEqual(0f, parameter.Value.AsSpan()[1]);
    }

    [Fact]
    public void SetMask_ZerosValueAndGradientNowAndChecksTheLength()
    {
        Parameter parameter = NewParameter(DType.Float32);
        SetGradient(parameter, 0);
        parameter.SetMask(KeepEveryThird());
        Assert.Equal(12, parameter.PrunedCount);
        Assert.Equal(0f, parameter.Value.AsSpan()[1]);
        Assert.Equal(0f, parameter.Grad.AsSpan()[1]);
        Assert.NotEqual(0f, parameter.Value.AsSpan()[0]);
        Assert.Throws<ArgumentException>(() => parameter.SetMask(new bool[Length - 1]));
    }
}
