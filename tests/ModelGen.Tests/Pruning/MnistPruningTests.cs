using ModelGen.Data;
using ModelGen.Optim;
using ModelGen.Pruning;
using ModelGen.Tests.Data;
using Samples.Mnist;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Pruning;

/// <summary>
/// End to end on the MNIST sample's split (first 8,000 images of the MNIST test set to train, last 2,000 held out):
/// the compiled MLP pruned to 80% weight sparsity by global magnitude and fine-tuned briefly stays within one point
/// of its dense accuracy. Training is short (3 dense epochs, 1 fine-tuning epoch); samples/Pruning runs the full
/// comparison. Skipped, with the folders searched, when the MNIST files are absent.
/// </summary>
public class MnistPruningTests(ITestOutputHelper output)
{
    [RequiresMnistFact]
    public void CompiledMlp_Pruned80PercentAndFineTuned_StaysWithinOnePointOfDense()
    {
        TrainEvalData data = Mnist.LoadTrainEvalSplit();
        Assert.True(data.IsMnist);
        var model = new MnistMlp();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 256 });
        var loader = new DataLoader(data.Train, 64, shuffle: true, seed: 0);

        Train(compiled, model, loader, epochs: 3, lr: 4e-3, firstEpoch: 1);
        double dense = Evaluate(compiled, data.Eval);

        Prune.Magnitude(model, 0.8, PruningScope.Global);
        double pruned = Evaluate(compiled, data.Eval);
        Train(compiled, model, loader, epochs: 1, lr: 1e-3, firstEpoch: 4);
        double fineTuned = Evaluate(compiled, data.Eval);

        var report = SparsityReport.Of(model);
        output.WriteLine($"dense {dense:P2}; 80% sparse {pruned:P2} before fine-tuning, {fineTuned:P2} after");
        output.WriteLine(report.ToString());
        Assert.Equal(0.8, report.WeightSparsity, 4);
        Assert.True(dense >= 0.94, $"dense accuracy {dense:P2} is too low for the comparison to mean anything");
        Assert.True(fineTuned >= dense - 0.01, $"80% sparse accuracy {fineTuned:P2} fell more than a point below dense {dense:P2}");
    }

    private static void Train(MnistMlp.Compiled compiled, MnistMlp model, DataLoader loader, int epochs, double lr, int firstEpoch)
    {
        var optimizer = new Adam(model.Parameters(), lr: lr);
        var schedule = new CosineAnnealingLR(optimizer, totalSteps: epochs * loader.BatchesPerEpoch);
        for (int epoch = firstEpoch; epoch < firstEpoch + epochs; epoch++)
        {
            foreach (var (x, y) in loader.Epoch(epoch))
            {
                compiled.TrainStep(x, y, optimizer);
                schedule.Step();
            }
        }
    }

    private static double Evaluate(MnistMlp.Compiled compiled, Dataset eval)
    {
        int correct = 0;
        foreach (var (x, y) in new DataLoader(eval, 256, shuffle: false).Epoch(0)) correct += Metrics.CountCorrect(compiled.Forward(x), y.AsSpanInt32());
        return (double)correct / eval.Count;
    }
}
