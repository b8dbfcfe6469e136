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
}
