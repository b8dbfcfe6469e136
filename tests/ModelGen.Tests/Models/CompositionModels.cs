using static ModelGen.Ops;

namespace ModelGen.Tests.Models;

/// <summary>A ResNet basic block with an optional 1x1 projection shortcut when the channels or the stride change.</summary>
[Module]
public sealed partial class ResBlock
{
    readonly Conv2d conv1, conv2;
    readonly BatchNorm2d bn1, bn2;
    readonly Conv2d? shortcut;

    public ResBlock(int inChannels, int outChannels, int stride = 1)
    {
        conv1 = new(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = new(outChannels);
        conv2 = new(outChannels, outChannels, 3, padding: 1, bias: false);
        bn2 = new(outChannels);
        if (inChannels != outChannels || stride != 1) shortcut = new(inChannels, outChannels, 1, stride: stride, bias: false);
    }

    public Tensor Forward(Tensor x)
    {
        var h = Relu(bn1.Forward(conv1.Forward(x)));
        h = bn2.Forward(conv2.Forward(h));
        return Relu(h + Shortcut(x));
    }

    private Tensor Shortcut(Tensor x) => shortcut != null ? shortcut.Forward(x) : x;
}

/// <summary>A small ResNet: a stem, four residual blocks in a list (one with a projection), pooling and a head.</summary>
[Model]
public sealed partial class BlockResNet
{
    readonly Conv2d stem = new(1, 4, 3, padding: 1);
    readonly ResBlock[] blocks = [new(4, 4), new(4, 6, 2), new(6, 6), new(6, 6)];
    readonly Linear head = new(6, 3);

    public Tensor Forward([Shape("B", 1, 6, 6)] Tensor image)
    {
        var h = Relu(stem.Forward(image));
        foreach (var block in blocks) h = block.Forward(h);
        return head.Forward(Flatten(GlobalAvgPool(h)));
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>Two inputs, two outputs: an image and side features, logits and the image embedding.</summary>
[Model]
public sealed partial class TwoInputNet
{
    readonly Conv2d conv = new(1, 2, 3);
    readonly Linear head = new(2 * 4 * 4 + 3, 4);

    public (Tensor Logits, Tensor Embedding) Forward([Shape("B", 1, 6, 6)] Tensor image, [Shape("B", 3)] Tensor extra)
    {
        var e = Flatten(Relu(conv.Forward(image)));
        return (head.Forward(Concat(e, extra, 1)), e);
    }

    [Loss]
    public Tensor Loss((Tensor Logits, Tensor Embedding) output, [Shape("B")] Tensor labels)
        => CrossEntropy(output.Logits, labels) + 0.01f * Mean(output.Embedding * output.Embedding);
}

/// <summary>The encoder of <see cref="TinyVae"/>: returns the mean and log-variance of q(z|x).</summary>
[Module]
public sealed partial class VaeEncoder(int features, int hidden, int latent)
{
    readonly Linear fc = new(features, hidden);
    readonly Linear mu = new(hidden, latent);
    readonly Linear logVar = new(hidden, latent);

    public (Tensor Mu, Tensor LogVar) Forward(Tensor x)
    {
        var h = Tanh(fc.Forward(x));
        return (mu.Forward(h), logVar.Forward(h));
    }
}

/// <summary>
/// A variational autoencoder with three outputs and a composed loss (reconstruction + KL). The noise of the
/// reparameterisation is an input here, so eager and compiled see the same draw.
/// </summary>
[Model]
public sealed partial class TinyVae
{
    const int Latent = 2;
    readonly VaeEncoder encoder = new(12, 8, Latent);
    readonly Linear decode1 = new(Latent, 8);
    readonly Linear decode2 = new(8, 12);

    public (Tensor Recon, Tensor Mu, Tensor LogVar) Forward([Shape("B", 12)] Tensor x, [Shape("B", Latent)] Tensor noise)
    {
        var (mu, logVar) = encoder.Forward(x);
        var z = mu + Exp(0.5f * logVar) * noise;
        return (Decode(z), mu, logVar);
    }

    private Tensor Decode(Tensor z) => Sigmoid(decode2.Forward(Tanh(decode1.Forward(z))));

    [Loss]
    public Tensor Loss((Tensor Recon, Tensor Mu, Tensor LogVar) output, [Shape("B", 12)] Tensor target)
    {
        var reconstruction = MseLoss(output.Recon, target);
        var kl = -0.5f * Latent * Mean(1f + output.LogVar - output.Mu * output.Mu - Exp(output.LogVar));
        return reconstruction + 0.5f * kl;
    }
}

/// <summary>One block called twice: its weights are shared and get the gradient of both uses.</summary>
[Module]
public sealed partial class Residual(int width)
{
    readonly Linear fc = new(width, width);

    public Tensor Forward(Tensor x) => x + Tanh(fc.Forward(x));
}

/// <summary>Weight tying, helper methods (an instance helper with an int argument, a static helper) and a constant-bound loop.</summary>
[Model]
public sealed partial class TiedNet
{
    readonly Linear input = new(5, 6);
    readonly Residual shared = new(6);
    readonly Linear output = new(6, 3);

    public Tensor Forward([Shape("B", 5)] Tensor x)
    {
        var h = Activate(input.Forward(x));
        h = Repeat(h, 2);
        return output.Forward(h);
    }

    private Tensor Repeat(Tensor h, int times)
    {
        for (int i = 0; i < times; i++) h = shared.Forward(h);
        return h;
    }

    private static Tensor Activate(Tensor t) => Relu(t) - 0.1f * Relu(-t);

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>The innermost of three nested blocks.</summary>
[Module]
public sealed partial class InnerBlock
{
    readonly Linear fc = new(4, 4);

    public Tensor Forward(Tensor x) => Tanh(fc.Forward(x));
}

/// <summary>A block holding a block and a list of layers.</summary>
[Module]
public sealed partial class MiddleBlock
{
    readonly InnerBlock inner = new();
    readonly Linear[] mix = [new(4, 4), new(4, 4, bias: false)];

    public Tensor Forward(Tensor x) => mix[1].Forward(inner.Forward(mix[0].Forward(x)));
}

/// <summary>A block holding a block that holds a block.</summary>
[Module]
public sealed partial class OuterBlock
{
    readonly MiddleBlock middle = new();
    readonly bool residual = true;

    public Tensor Forward(Tensor x)
    {
        if (residual) return x + middle.Forward(x);
        return middle.Forward(x);
    }
}

/// <summary>Blocks nested three deep: parameters named outer.middle.inner.fc.weight, outer.middle.mix.1.weight.</summary>
[Model]
public sealed partial class NestedNet
{
    readonly OuterBlock outer = new();
    readonly Linear head = new(4, 2);

    public Tensor Forward([Shape("B", 4)] Tensor x) => head.Forward(outer.Forward(x));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>A sequence length T besides the batch: per-position layers, a mean over time, two outputs.</summary>
[Model]
public sealed partial class SequenceNet
{
    readonly Linear embed = new(8, 16);
    readonly Linear perStep = new(16, 4);
    readonly Linear classify = new(16, 3);

    public (Tensor Steps, Tensor Logits) Forward([Shape("B", "T", 8)] Tensor x)
    {
        var h = Gelu(embed.Forward(x));
        return (perStep.Forward(h), classify.Forward(Mean(h, 1)));
    }

    [Loss]
    public Tensor Loss((Tensor Steps, Tensor Logits) output, [Shape("B", "T", 4)] Tensor targets, [Shape("B")] Tensor labels)
        => MseLoss(output.Steps, targets) + CrossEntropy(output.Logits, labels);
}

/// <summary>Integer inputs: token ids [B, T] through an embedding with a padding id, averaged over time.</summary>
[Model]
public sealed partial class TokenNet
{
    readonly Embedding embed = new(10, 6, paddingIdx: 0);
    readonly Linear fc = new(6, 4);

    public Tensor Forward([Shape("B", "T")] Tensor ids) => fc.Forward(Mean(Tanh(embed.Forward(ids)), 1));

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels);
}

/// <summary>The reparameterisation with a draw in the graph: z = mu + exp(logVar / 2) · RandnLike(mu).</summary>
[Model]
public sealed partial class SampledVae
{
    readonly VaeEncoder encoder = new(6, 5, 2);
    readonly Linear decode = new(2, 6);

    public (Tensor Recon, Tensor Mu, Tensor LogVar) Forward([Shape("B", 6)] Tensor x)
    {
        var (mu, logVar) = encoder.Forward(x);
        var z = mu + Exp(0.5f * logVar) * RandnLike(mu);
        return (decode.Forward(z), mu, logVar);
    }

    [Loss]
    public Tensor Loss((Tensor Recon, Tensor Mu, Tensor LogVar) output, [Shape("B", 6)] Tensor target)
        => MseLoss(output.Recon, target) - 0.5f * Mean(1f + output.LogVar - output.Mu * output.Mu - Exp(output.LogVar));
}

/// <summary>A loss that reports its terms: the compiled step returns the total and keeps each term in LossTerms.</summary>
[Model]
public sealed partial class TermsNet
{
    readonly Linear fc = new(4, 3);

    public Tensor Forward([Shape("B", 4)] Tensor x) => fc.Forward(x);

    [Loss]
    public (Tensor Loss, Tensor Fit, Tensor Penalty) Loss(Tensor output, [Shape("B", 3)] Tensor target)
    {
        var fit = MseLoss(output, target);
        var penalty = 0.1f * Mean(output * output);
        return (fit + penalty, fit, penalty);
    }
}

/// <summary>Scores through a layer that tests set to the identity, for numerically hard inputs: cross-entropy and BCE heads.</summary>
[Model]
public sealed partial class ExtremeScores
{
    readonly Linear fc = new(3, 3);
    readonly LayerNorm norm = new(3);

    public (Tensor Logits, Tensor Normalized) Forward([Shape("B", 3)] Tensor x) => (fc.Forward(x), norm.Forward(x));

    [Loss]
    public Tensor Loss((Tensor Logits, Tensor Normalized) output, [Shape("B")] Tensor labels, [Shape("B", 3)] Tensor targets)
        => CrossEntropy(output.Logits, labels) + BCEWithLogits(output.Logits, targets) + Mean(output.Normalized * output.Normalized);
}
