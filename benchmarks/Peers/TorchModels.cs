using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Peers;

/// <summary>
/// The samples' architectures built in TorchSharp (after ../shared/peers/Program.cs, class Models), and the bridge
/// that gives them ModelGen's initialised weights and data, so both sides compute the same function on the same input.
/// </summary>
public static class TorchModels
{
    /// <summary>MLP 784-256-128-10 with ReLU: samples/Mnist/MnistMlp.cs.</summary>
    public sealed class Mlp : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1, fc2, head;

        /// <summary>Creates the layers (PyTorch's default initialisation; <see cref="CopyWeights"/> overwrites it).</summary>
        public Mlp() : base("mlp")
        {
            fc1 = nn.Linear(784, 256);
            fc2 = nn.Linear(256, 128);
            head = nn.Linear(128, 10);
            RegisterComponents();
        }

        /// <inheritdoc/>
        public override Tensor forward(Tensor x) => head.forward(F.relu(fc2.forward(F.relu(fc1.forward(x)))));
    }

    /// <summary>LeNet-5 as samples/LeNet/LeNet5.cs: conv(1→6, 5, pad 2), ReLU, pool 2, conv(6→16, 5), ReLU, pool 2, 400-120-84-10.</summary>
    public static nn.Module<Tensor, Tensor> LeNet5() => nn.Sequential(
        nn.Conv2d(1, 6, 5, padding: 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10));

    /// <summary>
    /// Copies every ModelGen parameter into the TorchSharp parameter at the same position. Both list parameters in
    /// declaration order (weight then bias per layer) with the same shapes; a shape mismatch throws.
    /// </summary>
    public static void CopyWeights(ModelGen.IModel source, nn.Module target)
    {
        IReadOnlyList<ModelGen.Parameter> from = source.Parameters();
        var to = target.parameters().ToList();
        if (from.Count != to.Count)
            throw new InvalidOperationException($"ModelGen has {from.Count} parameters, TorchSharp {to.Count}.");
        using var noGrad = torch.no_grad();
        for (int i = 0; i < from.Count; i++)
        {
            long[] shape = from[i].Value.Shape.Select(d => (long)d).ToArray();
            if (!shape.SequenceEqual(to[i].shape))
                throw new InvalidOperationException($"{from[i].Name}: ModelGen [{string.Join(",", shape)}], TorchSharp [{string.Join(",", to[i].shape)}].");
            using var values = torch.tensor(from[i].Value.ToArray(), shape);
            to[i].copy_(values);
        }
    }

    /// <summary>A float32 torch tensor holding a copy of a ModelGen tensor.</summary>
    public static Tensor Float(ModelGen.Tensor t) => torch.tensor(t.ToArray(), t.Shape.Select(d => (long)d).ToArray());

    /// <summary>Int64 class labels (what cross_entropy takes) from ModelGen's int32 labels.</summary>
    public static Tensor Labels(ModelGen.Tensor labels)
        => torch.tensor(labels.ToArrayInt32().Select(v => (long)v).ToArray(), new long[] { labels.Size(0) });

    /// <summary>The largest |a - b| over two equally long arrays.</summary>
    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new InvalidOperationException($"lengths {a.Length} and {b.Length} differ");
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
