// Prunes the MNIST MLP and reports what accuracy each sparsity keeps.
// Trains the dense model once (the MNIST sample's recipe: Adam 4e-3, cosine, --epochs), then, from those dense
// weights each time, prunes and fine-tunes with Adam 1e-3 annealed to 0 over --finetune epochs, in two ways:
//   one-shot: magnitude-prune to the target, then fine-tune with the masks held;
//   gradual:  Zhu & Gupta's cubic schedule from 0 to the target over the first 3/4 of the fine-tuning.
// The dense model fine-tuned the same way without pruning is the control row.
// Also 2:4 semi-structured (50%) and structured (half of the hidden neurons, L1) with one-shot fine-tuning; the
// structured result is then compacted into MnistMlpHalf (784-128-64-10) and both compiled models are timed.
// Data: the MNIST test set split as the MNIST sample splits it (8,000 train, 2,000 held out).
// Options: --epochs N (default 5), --finetune N (default 3), --seed N (default 0), --scope global|layer (default global),
//          --reports (print the per-layer sparsity report of every row), --no-timing (skip the compaction timings),
//          --timing-seconds N (default 3, per timed row).
using ModelGen;
using ModelGen.Data;
using ModelGen.Optim;
using ModelGen.Benchmarks;
using ModelGen.Pruning;
using Samples.Mnist;
using Samples.Pruning;

int epochs = Option(args, "--epochs", 5), finetune = Option(args, "--finetune", 3), seed = Option(args, "--seed", 0);
PruningScope scope = OptionText(args, "--scope", "global") == "layer" ? PruningScope.PerLayer : PruningScope.Global;
bool reports = args.Contains("--reports");
double timingSeconds = Option(args, "--timing-seconds", 3);

TrainEvalData data = Mnist.LoadTrainEvalSplit();
Console.WriteLine(data.Report);
var model = new MnistMlp();
model.Initialize(seed);
using var compiled = model.Compile(new CompileOptions { MaxBatch = 256 });
var loader = new DataLoader(data.Train, 64, shuffle: true, seed: seed);

Train(epochs, 4e-3, firstEpoch: 1, pruning: null);
double dense = Evaluate();
float[][] denseWeights = [.. model.Parameters().Select(p => p.Value.ToArray())];
Console.WriteLine($"dense: {epochs} epochs, held-out accuracy {dense:P2}, {model.ParameterCount():N0} parameters");
Console.WriteLine($"fine-tuning: {finetune} epochs of Adam 1e-3 (cosine) per row, from the dense weights; scope {scope}");
Console.WriteLine();

var rows = new List<(string Method, double Accuracy, SparsityReport Report)> { ("dense", dense, SparsityReport.Of(model)) };
// The control: the same fine-tuning without pruning, so extra training is not mistaken for a pruning gain.
rows.Add(Run("dense + fine-tuning", () => { }, gradualTarget: null));
foreach (double target in new[] { 0.5, 0.8, 0.9, 0.95, 0.98 })
{
    rows.Add(Run($"one-shot {100 * target:F0}%", () => Prune.Magnitude(model, target, scope), gradualTarget: null));
    rows.Add(Run($"gradual {100 * target:F0}%", () => { }, gradualTarget: target));
}
rows.Add(Run("2:4 semi-structured", () => Prune.SemiStructured24(model), gradualTarget: null));
// Last, so the model holds this row's weights for the compaction below.
rows.Add(Run("structured 50% neurons (L1)", () => Prune.Structured(model, 0.5, FilterNorm.L1), gradualTarget: null));

Console.WriteLine($"{"method",-28} {"weight sparsity",15} {"nonzero weights",16} {"accuracy",9} {"vs dense",9}");
foreach (var (method, accuracy, report) in rows)
{
    Console.WriteLine($"{method,-28} {report.WeightSparsity,15:P2} {report.Weights.Nonzeros,16:N0} {accuracy,9:P2} {100 * (accuracy - dense),8:+0.00;-0.00}pt");
}
// Compaction: the structured row copied into a model compiled with half the hidden units, then timed against the
// masked full-size model (same weights, zeros still multiplied).
Console.WriteLine();
Console.WriteLine("compaction of the structured row: " + string.Join(", ", Prune.CompactSizes(model).Select(s => $"{s.Name} {s.InFeatures}->{s.OutFeatures}")));
var half = new MnistMlpHalf();
Prune.Compact(model, half);
using var compact = half.Compile(new CompileOptions { MaxBatch = 256 });
Console.WriteLine($"compact model: {half.ParameterCount():N0} parameters, held-out accuracy {Evaluate(x => compact.Forward(x)):P2} (masked full-size: {Evaluate(x => compiled.Forward(x)):P2})");
if (!args.Contains("--no-timing"))
{
    var (xs, ys) = new DataLoader(data.Train, 256, shuffle: false).Epoch(0).First();
    var (x64, y64) = new DataLoader(data.Train, 64, shuffle: false).Epoch(0).First();
    var fullOptimizer = new Adam(model.Parameters(), lr: 0);
    var halfOptimizer = new Adam(half.Parameters(), lr: 0);
    Measurement[] timings =
    [
        Timing.Measure("Forward B=256, masked 784-256-128-10", () => compiled.Forward(xs), timingSeconds),
        Timing.Measure("Forward B=256, compact 784-128-64-10", () => compact.Forward(xs), timingSeconds),
        Timing.Measure("TrainStep B=64, masked 784-256-128-10", () => compiled.TrainStep(x64, y64, fullOptimizer), timingSeconds),
        Timing.Measure("TrainStep B=64, compact 784-128-64-10", () => compact.TrainStep(x64, y64, halfOptimizer), timingSeconds),
    ];
    foreach (var t in timings) Console.WriteLine($"{t.Name,-40} median {t.MedianMs,7:F3} ms  p10..p90 {t.P10Ms:F3}..{t.P90Ms:F3}  spread {t.Spread:P0}");
    Console.WriteLine($"speed-up: Forward {timings[0].MedianMs / timings[1].MedianMs:F2}x, TrainStep {timings[2].MedianMs / timings[3].MedianMs:F2}x");
}

foreach (var (method, _, report) in rows.Where(r => reports || r.Method.StartsWith("gradual", StringComparison.Ordinal) || r.Method.Contains("structured")))
{
    Console.WriteLine();
    Console.WriteLine(method);
    Console.Write(report);
}

(string, double, SparsityReport) Run(string method, Action prune, double? gradualTarget)
{
    Prune.RemoveMasks(model);
    var parameters = model.Parameters();
    for (int i = 0; i < parameters.Count; i++) denseWeights[i].CopyTo(parameters[i].Value.AsSpan());
    prune();
    GradualPruning? schedule = null;
    if (gradualTarget is double target)
    {
        // Ten pruning steps spread over the first three quarters of fine-tuning; the last quarter recovers.
        int steps = finetune * loader.BatchesPerEpoch, frequency = Math.Max(1, steps * 3 / 4 / 10);
        schedule = new GradualPruning(model, target, startStep: 0, pruningSteps: 10, frequency: frequency, scope: scope);
    }
    Train(finetune, 1e-3, firstEpoch: 100, schedule);
    double accuracy = Evaluate();
    Console.WriteLine($"{method}: held-out accuracy {accuracy:P2}");
    return (method, accuracy, SparsityReport.Of(model));
}

void Train(int epochCount, double lr, int firstEpoch, GradualPruning? pruning)
{
    var optimizer = new Adam(model.Parameters(), lr: lr);
    var cosine = new CosineAnnealingLR(optimizer, totalSteps: epochCount * loader.BatchesPerEpoch);
    for (int epoch = firstEpoch; epoch < firstEpoch + epochCount; epoch++)
    {
        foreach (var (x, y) in loader.Epoch(epoch))
        {
            compiled.TrainStep(x, y, optimizer);
            cosine.Step();
            pruning?.Step();
        }
    }
}

double Evaluate(Func<Tensor, Tensor>? forward = null)
{
    forward ??= x => compiled.Forward(x);
    int correct = 0;
    foreach (var (x, y) in new DataLoader(data.Eval, 256, shuffle: false).Epoch(0)) correct += Metrics.CountCorrect(forward(x), y.AsSpanInt32());
    return (double)correct / data.Eval.Count;
}

static int Option(string[] args, string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int value) ? value : fallback;
}

static string OptionText(string[] args, string name, string fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}
