using ModelGen.Optim;
using ModelGen.Tests.Models;
using Samples.LeNet;
using Samples.Mnist;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>The static memory plan: after Compile and a warm-up call, Forward and TrainStep allocate nothing.</summary>
public class AllocationTests
{
    [Fact]
    public void TrainStepAndForward_AfterWarmUp_AllocateNothing()
    {
        var model = new MnistMlp();
        model.Initialize(3);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 64 });
        var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        Tensor x = ModelHarness.RandomInput(64, 784, 1), small = ModelHarness.RandomInput(7, 784, 2);
        Tensor y = ModelHarness.RandomLabels(64, 10, 3);
        compiled.TrainStep(x, y, optimizer);
        compiled.Forward(x);
        compiled.Forward(small);

        long allocated = Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                compiled.TrainStep(x, y, optimizer);
                compiled.Forward(x);
                compiled.Forward(small);
            }
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void LeNet_TrainStepAndForward_AfterWarmUp_AllocateNothing()
    {
        var model = new LeNet5();
        model.Initialize(3);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 16 });
        var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        Tensor x = ModelHarness.RandomInput(16, [1, 28, 28], 1), small = ModelHarness.RandomInput(3, [1, 28, 28], 2);
        Tensor y = ModelHarness.RandomLabels(16, 10, 3);
        compiled.TrainStep(x, y, optimizer);
        compiled.Forward(small);

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                compiled.TrainStep(x, y, optimizer);
                compiled.Forward(small);
            }
        }));
    }

    public static TheoryData<string> Optimizers() =>
        ["sgd-momentum", "adam-amsgrad", "adamw-amsgrad", "rmsprop-centered-momentum", "adagrad", "adadelta", "lion", "lamb"];

    private static IOptimizer CreateOptimizer(string kind, IReadOnlyList<Parameter> parameters) => kind switch
    {
        "sgd-momentum" => new Sgd(parameters, lr: 0.01, momentum: 0.9),
        "adam-amsgrad" => new Adam(parameters, amsgrad: true),
        "adamw-amsgrad" => new AdamW(ParamGroups.NoDecayOnBiasAndNorm(parameters, 0.01), amsgrad: true),
        "rmsprop-centered-momentum" => new RMSprop(parameters, momentum: 0.9, centered: true, weightDecay: 1e-4),
        "adagrad" => new Adagrad(parameters),
        "adadelta" => new Adadelta(parameters),
        "lion" => new Lion(parameters, weightDecay: 0.1),
        "lamb" => new Lamb(parameters, weightDecay: 0.01),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void TrainStep_EveryOptimizerWithScheduleAndClipping_AllocatesNothing(string kind)
    {
        // The whole training loop a user writes around a compiled model: gradients, clipping, the optimizer, a
        // schedule, and an EMA of the weights.
        var model = new TinyMlp();
        model.Initialize(3);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 32 });
        IReadOnlyList<Parameter> parameters = model.Parameters();
        IOptimizer optimizer = CreateOptimizer(kind, parameters);
        var schedule = new OneCycleLR(optimizer, maxLr: 1e-2, totalSteps: 100);
        var ema = new ExponentialMovingAverage(parameters, decay: 0.99);
        Tensor x = ModelHarness.RandomInput(32, 13, 1);
        Tensor y = ModelHarness.RandomLabels(32, 5, 2);
        void Step()
        {
            compiled.ComputeGradients(x, y);
            GradientClipping.ClipGradNorm(parameters, 1.0);
            optimizer.Step();
            schedule.Step();
            ema.Update();
        }
        Step();
        compiled.TrainStep(x, y, optimizer);

        Assert.Equal(0, Allocations.SteadyState(() =>
        {
            for (int i = 0; i < 5; i++)
            {
                Step();
                compiled.TrainStep(x, y, optimizer);
            }
        }));
    }
}
