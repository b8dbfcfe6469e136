using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Peers;

/// <summary>The TorchSharp side of the cold-start measurement (after ../shared/peers/Program.cs, class Cold).</summary>
public static class ColdStartTorch
{
    /// <summary>Loads libtorch, builds the MLP and Adam, runs one step on the same batch as ModelGen, reports.</summary>
    public static int Run()
    {
        torch.set_num_threads(1); // the first TorchSharp call: loads libtorch
        torch.manual_seed(0);
        var model = new TorchModels.Mlp();
        model.train();
        var adam = optim.Adam(model.parameters(), lr: 1e-3);
        torch.Tensor x = TorchModels.Float(Data.Rows(64, 784, seed: 1)), y = TorchModels.Labels(Data.Labels(64, seed: 2));
        float loss;
        using (torch.NewDisposeScope())
        {
            adam.zero_grad();
            torch.Tensor l = F.cross_entropy(model.forward(x), y);
            l.backward();
            adam.step();
            loss = l.item<float>();
        }
        ColdStartChild.Report(loss);
        return 0;
    }
}
