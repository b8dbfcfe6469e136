// Trains the MNIST MLP with the compiled model and reports accuracy on held-out images.
// Data: the MNIST test set (first 8,000 images to train, last 2,000 to evaluate), or synthetic digits when the
// files are not found. Training: Adam, learning rate 4e-3 annealed to 0 by a cosine schedule over all steps.
// Options: --epochs N (default 5), --batch N (default 64), --seed N (default 0), --lr X (default 0.004), --augment.
// After training it saves the model to mnist-mlp.safetensors in the current folder (PyTorch reads it with
// safetensors.torch.load_file). --eval PATH loads such a file instead of training and evaluates it on the same split.
using ModelGen;
using ModelGen.Data;
using ModelGen.Data.Transforms;
using ModelGen.Optim;
using ModelGen.Training;
using Samples.Mnist;

int epochs = Option(args, "--epochs", 5), batchSize = Option(args, "--batch", 64), seed = Option(args, "--seed", 0);
double lr = OptionDouble(args, "--lr", 4e-3);
string? evalPath = OptionString(args, "--eval");
const string CheckpointPath = "mnist-mlp.safetensors";
if (evalPath is null && args.Contains("--eval"))
{
    Console.Error.WriteLine("--eval needs the path of a checkpoint, for example --eval mnist-mlp.safetensors");
    return 2;
}

TrainEvalData data = Mnist.LoadTrainEvalSplit();
Console.WriteLine(data.Report);
Console.WriteLine($"train {data.Train.Count} images, evaluate {data.Eval.Count}");

var model = new MnistMlp();
model.Initialize(seed);
if (evalPath is not null)
{
    model.Load(evalPath);
    using var loaded = model.Compile(new CompileOptions { MaxBatch = 256 });
    Console.WriteLine($"loaded {Path.GetFullPath(evalPath)}: {model.ParameterCount():N0} parameters, no training");
    Console.WriteLine($"final eval accuracy: {Evaluate(loaded, data.Eval):P2} on {data.Eval.Count} held-out {(data.IsMnist ? "MNIST" : "synthetic")} images");
    return 0;
}
using var compiled = model.Compile(new CompileOptions { MaxBatch = Math.Max(batchSize, 256) });
var optimizer = new Adam(model.Parameters(), lr: lr);
var loader = new DataLoader(data.Train, batchSize, shuffle: true, seed: seed);
var schedule = new CosineAnnealingLR(optimizer, totalSteps: epochs * loader.BatchesPerEpoch);
Console.WriteLine($"MnistMlp: {model.ParameterCount():N0} parameters, graph of {MnistMlp.Graph.NodeCount} nodes traced at build time");

// The loop is ModelGen.Training.Trainer: the compiled TrainStep per batch, the schedule after each step, evaluation
// after each epoch, live progress in a terminal (one parseable line per epoch when redirected or under CI), and the
// best model kept by val_accuracy. --augment adds random rotations of up to 10 degrees (torchvision's RandomRotation,
// filling with the normalised background).
var trainer = new Trainer(loader, (x, y) => compiled.TrainStep(x, y, optimizer))
{
    Optimizer = optimizer,
    Scheduler = schedule,
    Transforms = args.Contains("--augment") ? [new RandomRotation(10, fill: -Mnist.Mean / Mnist.StandardDeviation, seed: seed)] : [],
    Evaluate = _ => new Dictionary<string, double> { ["val_accuracy"] = Evaluate(compiled, data.Eval) },
    Callbacks = [new ProgressReporter(), new ModelCheckpoint(model, "mnist-mlp.best.safetensors", "val_accuracy", "max")],
};
TrainingHistory history = trainer.Fit(epochs);
double accuracy = history.Epochs[^1].Get("val_accuracy");
var best = history.Best("val_accuracy", "max")!;
Console.WriteLine($"best eval accuracy {best.Get("val_accuracy"):P2} at epoch {best.Epoch} (saved to mnist-mlp.best.safetensors)");
Console.WriteLine($"final eval accuracy: {accuracy:P2} on {data.Eval.Count} held-out {(data.IsMnist ? "MNIST" : "synthetic")} images");
model.Save(CheckpointPath);
Console.WriteLine($"saved {Path.GetFullPath(CheckpointPath)}");
return 0;

static double Evaluate(MnistMlp.Compiled compiled, Dataset eval)
{
    var loader = new DataLoader(eval, 256, shuffle: false);
    int correct = 0;
    foreach (var (x, y) in loader.Epoch(0)) correct += Metrics.CountCorrect(compiled.Forward(x), y.AsSpanInt32());
    return (double)correct / eval.Count;
}

static double OptionDouble(string[] args, string name, double fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && double.TryParse(args[at + 1], System.Globalization.CultureInfo.InvariantCulture, out double value) ? value : fallback;
}

static string? OptionString(string[] args, string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static int Option(string[] args, string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int value) ? value : fallback;
}
