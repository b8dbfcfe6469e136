using ModelGen;
using static ModelGen.Ops;

namespace Samples.Vae;

/// <summary>The encoder q(z|x): one ReLU hidden layer, then the mean and the log-variance of a diagonal Gaussian.</summary>
[Module]
public sealed partial class VaeEncoder(int features, int hidden, int latent)
{
    readonly Linear fc = new(features, hidden);
    readonly Linear mu = new(hidden, latent);
    readonly Linear logVar = new(hidden, latent);

    public (Tensor Mu, Tensor LogVar) Forward(Tensor x)
    {
        var h = Relu(fc.Forward(x));
        return (mu.Forward(h), logVar.Forward(h));
    }
}

/// <summary>The decoder p(x|z): one ReLU hidden layer, then one Bernoulli logit per pixel.</summary>
[Module]
public sealed partial class VaeDecoder(int latent, int hidden, int features)
{
    readonly Linear fc = new(latent, hidden);
    readonly Linear output = new(hidden, features);

    public Tensor Forward(Tensor z) => output.Forward(Relu(fc.Forward(z)));
}

/// <summary>
/// A variational autoencoder for 28×28 digits (Kingma and Welling 2014): 784-400-(20, 20) encoder, 20-400-784
/// decoder. <c>Forward</c> takes the images and the noise ε ~ N(0, I) of the reparameterisation
/// z = μ + exp(½ log σ²)·ε (the graph has no random op, so the caller draws ε), and returns the decoder's logits,
/// μ and log σ². The loss is the negative ELBO per image in nats, averaged over the batch: the Bernoulli
/// reconstruction term (binary cross-entropy with logits, summed over the 784 pixels) plus the analytic
/// KL(q(z|x) ‖ N(0, I)) = −½ Σ (1 + log σ² − μ² − σ²), summed over the latent dimensions.
/// </summary>
[Model]
public sealed partial class MnistVae
{
    /// <summary>Pixels per image.</summary>
    public const int Pixels = 28 * 28;

    /// <summary>Units in each hidden layer.</summary>
    public const int Hidden = 400;

    /// <summary>Dimensions of the latent code z.</summary>
    public const int Latent = 20;

    readonly VaeEncoder encoder = new(Pixels, Hidden, Latent);
    readonly VaeDecoder decoder = new(Latent, Hidden, Pixels);

    /// <summary>The decoder block itself (its weights are the model's): decodes codes eagerly, e.g. draws from the prior.</summary>
    public VaeDecoder Decoder => decoder;

    public (Tensor Recon, Tensor Mu, Tensor LogVar) Forward([Shape("B", Pixels)] Tensor x, [Shape("B", Latent)] Tensor noise)
    {
        var (mu, logVar) = encoder.Forward(x);
        var z = mu + Exp(0.5f * logVar) * noise;
        return (decoder.Forward(z), mu, logVar);
    }

    [Loss]
    public Tensor Loss((Tensor Recon, Tensor Mu, Tensor LogVar) output, [Shape("B", Pixels)] Tensor target)
    {
        // BCEWithLogits averages over batch and pixels: times the pixel count, it is the sum over pixels per image.
        var reconstruction = Pixels * BCEWithLogits(output.Recon, target);
        // Mean over batch and latent dimensions, times Latent: the sum over dimensions per image.
        var kl = -0.5f * Latent * Mean(1f + output.LogVar - output.Mu * output.Mu - Exp(output.LogVar));
        return reconstruction + kl;
    }
}
