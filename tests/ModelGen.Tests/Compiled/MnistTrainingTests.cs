using ModelGen.Data;
using ModelGen.Optim;
using ModelGen.Tests.Data;
using ModelGen.Tests.Models;
using Samples.Mnist;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// End to end: the compiled MLP trained on the first 8,000 images of the MNIST test set and evaluated on the
/// last 2,000 (the sample's split) reaches at least 95% within 5 epochs. Skipped, with the folders searched,
/// when the MNIST files are absent.
/// </summary>
public class MnistTrainingTests(ITestOutputHelper output)
{
    [RequiresMnistFact]
    public void CompiledMlp_FiveEpochsAdamCosine_ReachesAtLeast95PercentOnHeldOut2000()
    {
        TrainEvalData data = Mnist.LoadTrainEvalSplit();
        Assert.True(data.IsMnist);
        Assert.Equal((8000, 2000), (data.Train.Count, data.Eval.Count));

        var model = new MnistMlp();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 256 });
        // The sample's recipe: Adam at 4e-3 annealed to 0 by a cosine schedule over the five epochs.
        var optimizer = new Adam(model.Parameters(), lr: 4e-3);
        var loader = new DataLoader(data.Train, 64, shuffle: true, seed: 0);
        var schedule = new CosineAnnealingLR(optimizer, totalSteps: 5 * loader.BatchesPerEpoch);
        double accuracy = 0;
        for (int epoch = 1; epoch <= 5; epoch++)
        {
            foreach (var (x, y) in loader.Epoch(epoch))
            {
                compiled.TrainStep(x, y, optimizer);
                schedule.Step();
            }
            var eval = new DataLoader(data.Eval, 256, shuffle: false);
            int correct = 0;
            foreach (var (x, y) in eval.Epoch(0)) correct += Metrics.CountCorrect(compiled.Forward(x), y.AsSpanInt32());
            accuracy = (double)correct / data.Eval.Count;
            output.WriteLine($"epoch {epoch}: held-out accuracy {accuracy:P2}");
        }
        Assert.True(accuracy >= 0.95, $"held-out accuracy {accuracy:P2} is below 95%");
    }

    [Fact]
    public void CompiledMlp_SyntheticDigits_LearnsWellAboveChance()
    {
        // The fallback the sample uses on a machine without MNIST must be learnable too.
        Dataset train = SyntheticDigits.Generate(3000, seed: 1), eval = SyntheticDigits.Generate(1000, seed: 2);
        var model = new MnistMlp();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 256 });
        var optimizer = new Adam(model.Parameters(), lr: 1e-3f);
        var loader = new DataLoader(train, 64, shuffle: true, seed: 0);
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            foreach (var (x, y) in loader.Epoch(epoch)) compiled.TrainStep(x, y, optimizer);
        }
        int correct = 0;
        foreach (var (x, y) in new DataLoader(eval, 256, shuffle: false).Epoch(0)) correct += Metrics.CountCorrect(compiled.Forward(x), y.AsSpanInt32());
        Assert.True(correct >= 800, $"{correct}/1000 correct on synthetic digits");
    }
}
