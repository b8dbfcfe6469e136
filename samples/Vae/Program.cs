// Trains a variational autoencoder (Kingma and Welling 2014) on MNIST with the compiled model, reports the negative
// ELBO per image in nats after every epoch, and writes two PNG grids: held-out images above their reconstructions,
// and images decoded from codes drawn from the prior N(0, I).
//
// Data: the MNIST test set (first 8,000 images to train, last 2,000 to evaluate), pixels scaled to [0, 1] (not
// normalised: they are the Bernoulli targets), or synthetic digits when the files are not found.
// Likelihood: each pixel's grey level in [0, 1] is the target of a Bernoulli cross-entropy on the decoder's logit,
// summed over the 784 pixels (as in the paper's MNIST experiments and PyTorch's VAE example; the images are not
// binarised). Negative ELBO per image = that reconstruction term + KL(q(z|x) || N(0, I)) in closed form, in nats.
// Noise: the compiled graph has no random op, so the noise eps of the reparameterisation z = mu + exp(0.5 logVar) * eps
// is Forward's second input, drawn on the host from N(0, 1) by a ModelGen.Rng seeded with --seed, fresh every step.
// Evaluation draws its own noise from a generator with a fixed seed, so every epoch is measured with the same draws.
// Training: Adam, learning rate 2e-3, batch 32 (of batch 32, 64 and learning rates 1e-3, 2e-3, this pair gave the
// lowest held-out negative ELBO after 5 epochs).
// Options: --epochs N (default 5), --batch N (default 32), --seed N (default 0), --lr X (default 0.002),
// --out DIR (where the PNGs go, default the current folder).
using System.Diagnostics;
using System.Globalization;
using ModelGen;
using ModelGen.Data;
using ModelGen.Optim;
using Samples.Vae;

const int Pixels = MnistVae.Pixels, Latent = MnistVae.Latent;
int epochs = Option("--epochs", 5), batchSize = Option("--batch", 32), seed = Option("--seed", 0);
double lr = OptionDouble("--lr", 2e-3);
string outDirectory = Path.GetFullPath(OptionString("--out") ?? ".");

var (train, eval, isMnist) = LoadScaledSplit(8000);
Console.WriteLine($"{(isMnist ? "MNIST test set" : "synthetic digits")}, pixels scaled to [0, 1]: first {train.Count} images to train, last {eval.Count} to evaluate");

var model = new MnistVae();
model.Initialize(seed);
const int EvalBatch = 256;
using var compiled = model.Compile(new CompileOptions { MaxBatch = Math.Max(batchSize, EvalBatch) });
var optimizer = new Adam(model.Parameters(), lr: lr);
var loader = new DataLoader(train, batchSize, shuffle: true, seed: seed);
var noiseRng = new Rng(seed);
Tensor noise = Tensor.CreateBuffer(DType.Float32, batchSize * Latent, batchSize, Latent);
Console.WriteLine($"MnistVae: {model.ParameterCount():N0} parameters, graph of {MnistVae.Graph.NodeCount} nodes traced at build time");

for (int epoch = 1; epoch <= epochs; epoch++)
{
    var watch = Stopwatch.StartNew();
    double lossSum = 0;
    int images = 0;
    foreach (var (x, _) in loader.Epoch(epoch))
    {
        int n = x.Shape[0];
        noise.SetLeadingDim(n);
        foreach (ref float e in noise.AsSpan()) e = noiseRng.Normal(0f, 1f);
        lossSum += n * (double)compiled.TrainStep(x, noise, x, optimizer);   // the loss is the batch mean
        images += n;
    }
    double seconds = watch.Elapsed.TotalSeconds;
    Elbo trainElbo = Evaluate(compiled, train), evalElbo = Evaluate(compiled, eval);
    Console.WriteLine(Invariant($"epoch {epoch}: training loss {lossSum / images:F2} nats/image during the epoch; after it, -ELBO train {trainElbo}, held-out {evalElbo}; {seconds:F2} s"));
}

Directory.CreateDirectory(outDirectory);
string reconstructionsPath = Path.Combine(outDirectory, "vae-reconstructions.png");
string samplesPath = Path.Combine(outDirectory, "vae-samples.png");
ImageGrid.Save(reconstructionsPath, Reconstructions(compiled, eval, 32, columns: 16), columns: 16);
ImageGrid.Save(samplesPath, PriorSamples(model, 64, seed), columns: 8);
Console.WriteLine($"wrote {reconstructionsPath} (rows 1 and 3: held-out images; rows 2 and 4: their reconstructions at z = mu)");
Console.WriteLine($"wrote {samplesPath} (64 images decoded from z ~ N(0, I))");
Console.WriteLine($"data: {(isMnist ? "MNIST" : "synthetic digits")}");

// The negative ELBO per image over a whole dataset, split into its two terms, with noise from a fixed seed.
static Elbo Evaluate(MnistVae.Compiled compiled, Dataset data)
{
    var rng = new Rng(12345);
    Tensor noise = Tensor.CreateBuffer(DType.Float32, EvalBatch * Latent, EvalBatch, Latent);
    double reconstruction = 0, kl = 0;
    foreach (var (x, _) in new DataLoader(data, EvalBatch, shuffle: false).Epoch(0))
    {
        noise.SetLeadingDim(x.Shape[0]);
        foreach (ref float e in noise.AsSpan()) e = rng.Normal(0f, 1f);
        var (logits, mu, logVar) = compiled.Forward(x, noise);
        (double r, double k) = ElboTerms(x.AsSpan(), logits.AsSpan(), mu.AsSpan(), logVar.AsSpan());
        reconstruction += r;
        kl += k;
    }
    return new Elbo(reconstruction / data.Count, kl / data.Count);
}

// Sums over a batch, in double: BCE with logits over every pixel, and the closed-form KL over every latent dimension.
static (double Reconstruction, double Kl) ElboTerms(ReadOnlySpan<float> x, ReadOnlySpan<float> logits, ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar)
{
    double reconstruction = 0, kl = 0;
    for (int i = 0; i < x.Length; i++)
    {
        double l = logits[i];
        reconstruction += Math.Max(l, 0) - l * x[i] + Math.Log(1 + Math.Exp(-Math.Abs(l)));
    }
    for (int i = 0; i < mu.Length; i++)
        kl += -0.5 * (1 + logVar[i] - (double)mu[i] * mu[i] - Math.Exp(logVar[i]));
    return (reconstruction, kl);
}

// The first `count` held-out images, each row of `columns` followed by a row of their reconstructions (noise 0: z = mu).
static float[][] Reconstructions(MnistVae.Compiled compiled, Dataset data, int count, int columns)
{
    Tensor x = Tensor.FromArray(data.Features.AsSpan(0, count * Pixels).ToArray(), count, Pixels);
    var (logits, _, _) = compiled.Forward(x, Tensor.FromArray(new float[count * Latent], count, Latent));
    float[] recon = logits.ToArray();
    var cells = new List<float[]>();
    for (int row = 0; row < count; row += columns)
    {
        for (int i = row; i < row + columns; i++) cells.Add(data.Row(i).ToArray());
        for (int i = row; i < row + columns; i++) cells.Add(recon.AsSpan(i * Pixels, Pixels).ToArray().Select(Sigmoid).ToArray());
    }
    return cells.ToArray();
}

// Codes z ~ N(0, I) decoded by the model's decoder block. The block is the model's own field, so it has the trained
// weights; it runs eagerly (the compiled graph starts at the encoder's input, not at z).
static float[][] PriorSamples(MnistVae model, int count, int seed)
{
    var rng = new Rng(seed + 1);
    var z = new float[count * Latent];
    for (int i = 0; i < z.Length; i++) z[i] = rng.Normal(0f, 1f);
    float[] logits = model.Decoder.Forward(Tensor.FromArray(z, count, Latent)).ToArray();
    return Enumerable.Range(0, count).Select(i => logits.AsSpan(i * Pixels, Pixels).ToArray().Select(Sigmoid).ToArray()).ToArray();
}

static float Sigmoid(float v) => 1f / (1f + MathF.Exp(-v));

// The MNIST split with pixels in [0, 1], found as Mnist.LoadTrainEvalSplit finds it; synthetic digits otherwise.
static (Dataset Train, Dataset Eval, bool IsMnist) LoadScaledSplit(int trainCount)
{
    string? directory = Mnist.Locate(out string report);
    if (directory is null)
    {
        Console.WriteLine(report + "\nMNIST not found: using synthetic digits instead (see SyntheticDigits).");
        return (SyntheticDigits.Generate(trainCount, seed: 1, normalize: false), SyntheticDigits.Generate(10_000 - trainCount, seed: 2, normalize: false), false);
    }
    Dataset all = Mnist.Load(directory, normalize: false);
    return (all.Slice(0, trainCount), all.Slice(trainCount, all.Count - trainCount), true);
}

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

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

string? OptionString(string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

/// <summary>A negative ELBO per image in nats, as its two terms.</summary>
internal readonly record struct Elbo(double Reconstruction, double Kl)
{
    public double Total => Reconstruction + Kl;

    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"{Total:F2} (reconstruction {Reconstruction:F2} + KL {Kl:F2})");
}
