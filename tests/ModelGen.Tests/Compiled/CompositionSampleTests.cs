using ModelGen.Data;
using ModelGen.Optim;
using Samples.ResNet;
using Samples.Vae;
using Xunit;
using Xunit.Abstractions;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// The composed sample models (samples/ResNet and samples/Vae, linked into this project) compile and learn: a few
/// compiled training steps on 128 (ResNet) or 512 (VAE) synthetic digits lower the ResNet's loss and the VAE's negative ELBO,
/// each measured on the same images before and after. The VAE's compiled loss is checked against the negative ELBO
/// computed term by term from its outputs, and its decoder block, run eagerly as the sample does for prior draws,
/// against the compiled decoder inside the model.
/// </summary>
public class CompositionSampleTests(ITestOutputHelper output)
{
    [Fact]
    public void MnistResNet_ParameterNames_ProjectionOnlyWhereChannelsOrStrideChange()
    {
        string[] names = new MnistResNet().Parameters().Select(p => p.Name).ToArray();
        Assert.DoesNotContain("blocks.0.shortcut.weight", names);
        Assert.Contains("blocks.1.shortcut.weight", names);
        Assert.Contains("blocks.2.shortcut.weight", names);
        Assert.Equal([64, 32, 1, 1], new MnistResNet().Parameters().Single(p => p.Name == "blocks.2.shortcut.weight").Value.Shape);
    }

    [Fact]
    public void MnistResNet_CompiledTrainStepsOnSyntheticDigits_LowerTheLoss()
    {
        Dataset digits = SyntheticDigits.Generate(128, seed: 31);
        int[] image = [1, 28, 28];
        var model = new MnistResNet();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 128 });
        var optimizer = new Adam(model.Parameters(), lr: 4e-3);
        var loader = new DataLoader(digits, 32, shuffle: true, seed: 0, sampleShape: image);
        var (all, labels) = new DataLoader(digits, 128, shuffle: false, sampleShape: image).Epoch(0).Single();

        // The loss TrainStep minimises (batch norm on batch statistics), over all 128 digits as one batch. Inference
        // mode would lag: after 12 steps the running statistics are still far from the batch statistics.
        float before = compiled.ComputeGradients(all, labels);
        for (int epoch = 1; epoch <= 3; epoch++)
            foreach (var (x, y) in loader.Epoch(epoch)) compiled.TrainStep(x, y, optimizer);
        float after = compiled.ComputeGradients(all, labels);

        output.WriteLine($"training-mode cross-entropy on the 128 digits: {before:F4} -> {after:F4}");
        Assert.True(after < 0.6f * before, $"cross-entropy {before:F4} -> {after:F4}");
    }

    [Fact]
    public void MnistVae_CompiledTrainStepsOnSyntheticDigits_LowerTheNegativeElbo()
    {
        Dataset digits = SyntheticDigits.Generate(512, seed: 32, normalize: false);
        var model = new MnistVae();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 512 });
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var loader = new DataLoader(digits, 64, shuffle: true, seed: 0);
        var rng = new Rng(1);
        Tensor noise = Tensor.CreateBuffer(DType.Float32, 64 * MnistVae.Latent, 64, MnistVae.Latent);

        double before = NegativeElbo(compiled, digits);
        for (int epoch = 1; epoch <= 2; epoch++)
            foreach (var (x, _) in loader.Epoch(epoch))
            {
                noise.SetLeadingDim(x.Shape[0]);
                foreach (ref float e in noise.AsSpan()) e = rng.Normal(0f, 1f);
                compiled.TrainStep(x, noise, x, optimizer);
            }
        double after = NegativeElbo(compiled, digits);

        output.WriteLine($"negative ELBO per image on the 512 training digits: {before:F2} -> {after:F2} nats");
        Assert.True(after < 0.75 * before, $"negative ELBO {before:F2} -> {after:F2} nats");
    }

    [Fact]
    public void MnistVae_CompiledLoss_IsTheNegativeElboPerImageInNats()
    {
        Dataset digits = SyntheticDigits.Generate(48, seed: 33, normalize: false);
        var model = new MnistVae();
        model.Initialize(4);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 64 });
        Tensor x = Tensor.FromArray(digits.Features, 48, MnistVae.Pixels);
        Tensor noise = RandomNoise(48, seed: 5);

        float loss = compiled.ComputeGradients(x, noise, x);
        var (logits, mu, logVar) = compiled.Forward(x, noise);
        var (reconstruction, kl) = ElboTerms(x.AsSpan(), logits.AsSpan(), mu.AsSpan(), logVar.AsSpan());

        double expected = (reconstruction + kl) / 48;
        output.WriteLine($"compiled loss {loss:F4}, host -ELBO {expected:F4} (reconstruction {reconstruction / 48:F4} + KL {kl / 48:F4})");
        Assert.True(Math.Abs(loss - expected) < 1e-4 * expected, $"compiled loss {loss} against -ELBO {expected}");
    }

    [Fact]
    public void MnistVae_EagerDecoderBlock_MatchesTheCompiledDecoderAtZEqualsMu()
    {
        Dataset digits = SyntheticDigits.Generate(16, seed: 34, normalize: false);
        var model = new MnistVae();
        model.Initialize(6);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 16 });
        Tensor x = Tensor.FromArray(digits.Features, 16, MnistVae.Pixels);

        var (logits, mu, _) = compiled.Forward(x, Tensor.FromArray(new float[16 * MnistVae.Latent], 16, MnistVae.Latent));
        float[] compiledLogits = logits.ToArray();
        float[] eagerLogits = model.Decoder.Forward(Tensor.FromArray(mu.ToArray(), 16, MnistVae.Latent)).ToArray();

        double error = ModelHarness.MaxRelativeError(eagerLogits, compiledLogits, 1e-3);
        Assert.True(error < 1e-4, $"eager decoder against compiled: relative error {error:E2}");
    }

    private static double NegativeElbo(MnistVae.Compiled compiled, Dataset digits)
    {
        Tensor x = Tensor.FromArray(digits.Features, digits.Count, MnistVae.Pixels);
        var (logits, mu, logVar) = compiled.Forward(x, RandomNoise(digits.Count, seed: 9));
        var (reconstruction, kl) = ElboTerms(x.AsSpan(), logits.AsSpan(), mu.AsSpan(), logVar.AsSpan());
        return (reconstruction + kl) / digits.Count;
    }

    private static Tensor RandomNoise(int count, int seed)
    {
        var rng = new Rng(seed);
        var values = new float[count * MnistVae.Latent];
        for (int i = 0; i < values.Length; i++) values[i] = rng.Normal(0f, 1f);
        return Tensor.FromArray(values, count, MnistVae.Latent);
    }

    // Sums over the batch in double, independent of the generated code: Bernoulli cross-entropy with logits over every
    // pixel, and KL(N(mu, exp(logVar)) || N(0, 1)) in closed form over every latent dimension.
    private static (double Reconstruction, double Kl) ElboTerms(ReadOnlySpan<float> x, ReadOnlySpan<float> logits, ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar)
    {
        double reconstruction = 0, kl = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double l = logits[i];
            reconstruction += Math.Max(l, 0) - l * x[i] + Math.Log(1 + Math.Exp(-Math.Abs(l)));
        }
        for (int i = 0; i < mu.Length; i++) kl += -0.5 * (1 + logVar[i] - (double)mu[i] * mu[i] - Math.Exp(logVar[i]));
        return (reconstruction, kl);
    }
}
