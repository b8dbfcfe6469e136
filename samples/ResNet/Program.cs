// Trains a small ResNet, built from [Module] residual blocks, with the compiled model and reports accuracy on
// held-out images after every epoch.
// Data: the MNIST test set (first 8,000 images to train, last 2,000 to evaluate), or synthetic digits when the
// files are not found. Training: Adam, one-cycle schedule (warm-up to the peak learning rate over the first 30% of
// the steps, then cosine annealing towards 0), batch 64.
// Options: --epochs N (default 5), --batch N (default 64), --seed N (default 0), --lr X (peak, default 0.004).
using System.Diagnostics;
using System.Globalization;
using ModelGen;
using ModelGen.Data;
using ModelGen.Optim;
using Samples.ResNet;

int epochs = Option("--epochs", 5), batchSize = Option("--batch", 64), seed = Option("--seed", 0);
double lr = OptionDouble("--lr", 4e-3);
int[] image = [1, 28, 28];

TrainEvalData data = Mnist.LoadTrainEvalSplit();
Console.WriteLine(data.Report);

var model = new MnistResNet();
model.Initialize(seed);
using var compiled = model.Compile(new CompileOptions { MaxBatch = Math.Max(batchSize, 256) });
var optimizer = new Adam(model.Parameters(), lr: lr);
var loader = new DataLoader(data.Train, batchSize, shuffle: true, seed: seed, sampleShape: image);
var schedule = new OneCycleLR(optimizer, maxLr: lr, totalSteps: epochs * loader.BatchesPerEpoch);
Console.WriteLine($"MnistResNet: {model.ParameterCount():N0} parameters, graph of {MnistResNet.Graph.NodeCount} nodes traced at build time");

double accuracy = 0, trainingSeconds = 0;
for (int epoch = 1; epoch <= epochs; epoch++)
{
    var watch = Stopwatch.StartNew();
    double lossSum = 0;
    int steps = 0;
    foreach (var (x, y) in loader.Epoch(epoch))
    {
        lossSum += compiled.TrainStep(x, y, optimizer);
        schedule.Step();
        steps++;
    }
    double seconds = watch.Elapsed.TotalSeconds;
    trainingSeconds += seconds;
    int correct = 0;
    foreach (var (x, y) in new DataLoader(data.Eval, 256, shuffle: false, sampleShape: image).Epoch(0))
        correct += Metrics.CountCorrect(compiled.Forward(x), y.AsSpanInt32());
    accuracy = (double)correct / data.Eval.Count;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"epoch {epoch}: loss {lossSum / steps:F4}, eval accuracy {100 * accuracy:F2}%, {steps} steps in {seconds:F2} s ({1000 * seconds / steps:F3} ms/step)"));
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"trained {epochs} epochs in {trainingSeconds:F1} s on {Environment.ProcessorCount} cores; evaluated on {data.Eval.Count} held-out {(data.IsMnist ? "MNIST" : "synthetic")} images"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy: {100 * accuracy:F2}%"));

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int value) ? value : fallback;
}

double OptionDouble(string name, double fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && double.TryParse(args[at + 1], CultureInfo.InvariantCulture, out double value) ? value : fallback;
}
