// Trains LeNet-5 with the compiled model and reports accuracy on held-out images.
// Data: the MNIST test set (first 8,000 images to train, last 2,000 to evaluate), or synthetic digits when the
// files are not found. Training: Adam, learning rate 2e-3 annealed to 0 by a cosine schedule over all steps.
// Options: --epochs N (default 5), --batch N (default 64), --seed N (default 0).
using System.Diagnostics;
using ModelGen;
using ModelGen.Data;
using ModelGen.Optim;
using Samples.LeNet;

int epochs = Option("--epochs", 5), batchSize = Option("--batch", 64), seed = Option("--seed", 0);
int[] image = [1, 28, 28];

TrainEvalData data = Mnist.LoadTrainEvalSplit();
Console.WriteLine(data.Report);

var model = new LeNet5();
model.Initialize(seed);
using var compiled = model.Compile(new CompileOptions { MaxBatch = Math.Max(batchSize, 256) });
var optimizer = new Adam(model.Parameters(), lr: 2e-3);
var loader = new DataLoader(data.Train, batchSize, shuffle: true, seed: seed, sampleShape: image);
var schedule = new CosineAnnealingLR(optimizer, totalSteps: epochs * loader.BatchesPerEpoch);
Console.WriteLine($"LeNet5: {model.ParameterCount():N0} parameters, graph of {LeNet5.Graph.NodeCount} nodes traced at build time");

double accuracy = 0;
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
    int correct = 0;
    foreach (var (x, y) in new DataLoader(data.Eval, 256, shuffle: false, sampleShape: image).Epoch(0))
        correct += Metrics.CountCorrect(compiled.Forward(x), y.AsSpanInt32());
    accuracy = (double)correct / data.Eval.Count;
    Console.WriteLine($"epoch {epoch}: loss {lossSum / steps:F4}, eval accuracy {accuracy:P2}, {steps} steps in {seconds:F2} s ({1000 * seconds / steps:F3} ms/step)");
}
Console.WriteLine($"final eval accuracy: {accuracy:P2} on {data.Eval.Count} held-out {(data.IsMnist ? "MNIST" : "synthetic")} images");

int Option(string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int value) ? value : fallback;
}
