using ModelGen.Data;
using ModelGen.Optim;
using ModelGen.Tests.Data;
using Samples.LeNet;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// End to end: the compiled LeNet-5 sample's model trained with the sample's recipe on the first 8,000 MNIST test
/// images reaches at least 97.5% on the last 2,000 within 5 epochs. Skipped, with the folders searched, without MNIST.
/// </summary>
public class LeNetTrainingTests(ITestOutputHelper output)
{
    [RequiresMnistFact]
    public void CompiledLeNet_FiveEpochsAdamCosine_ReachesAtLeast97Point5PercentOnHeldOut2000()
    {
        TrainEvalData data = Mnist.LoadTrainEvalSplit();
        int[] image = [1, 28, 28];
        var model = new LeNet5();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 256 });
        var optimizer = new Adam(model.Parameters(), lr: 2e-3);
        var loader = new DataLoader(data.Train, 64, shuffle: true, seed: 0, sampleShape: image);
        var schedule = new CosineAnnealingLR(optimizer, totalSteps: 5 * loader.BatchesPerEpoch);
        for (int epoch = 1; epoch <= 5; epoch++)
        {
            foreach (var (x, y) in loader.Epoch(epoch))
            {
                compiled.TrainStep(x, y, optimizer);
                schedule.Step();
            }
        }
        int correct = 0;
        foreach (var (x, y) in new DataLoader(data.Eval, 256, shuffle: false, sampleShape: image).Epoch(0))
            correct += Metrics.CountCorrect(compiled.Forward(x), y.AsSpanInt32());
        double accuracy = (double)correct / data.Eval.Count;
        output.WriteLine($"held-out accuracy {accuracy:P2}");
        Assert.True(accuracy >= 0.975, $"held-out accuracy {accuracy:P2} is below 97.5%");
    }
}
