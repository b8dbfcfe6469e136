using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Runtime;

public class CosineAnnealingLRTests
{
    [Fact]
    public void Step_FollowsTheClosedForm_EndsAtTheMinimumAndStaysThere()
    {
        var parameter = new Parameter("w", Tensor.Zeros(3));
        var optimizer = new Sgd(new[] { parameter }, lr: 0.1);
        var schedule = new CosineAnnealingLR(optimizer, totalSteps: 10, minRate: 0.01);
        Assert.Equal(0.1f, optimizer.LearningRate);
        for (int t = 1; t <= 12; t++)
        {
            schedule.Step();
            double expected = t >= 10 ? 0.01 : 0.01 + (0.1 - 0.01) * (1 + Math.Cos(Math.PI * t / 10)) / 2;
            Assert.Equal(expected, optimizer.LearningRate, 1e-7);
        }
        Assert.Equal(0.055, schedule.RateAt(5), 1e-7);    // halfway: the mean of the two rates (η_max is read back as a float)
        Assert.Equal(12, schedule.StepsTaken);
    }

    [Fact]
    public void Constructor_InvalidArguments_Throw()
    {
        var optimizer = new Sgd(new[] { new Parameter("w", Tensor.Zeros(1)) }, lr: 0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(optimizer, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(optimizer, 5, -1));
    }
}
