using Microsoft.ML.OnnxRuntime;
using ModelGen.Optim;
using Samples.LeNet;
using Samples.Mnist;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using MgTensor = ModelGen.Tensor;

namespace Peers;

/// <summary>
/// The side-by-side workloads. Each builds ModelGen's side from the sample model (initialised by ModelGen), copies
/// those weights and the same data into the peers, checks that all sides compute the same thing, and returns the
/// comparison ready to time. Thread count is set by the caller (Gemm.MaxThreads, torch.set_num_threads) except for
/// ONNX Runtime, whose session takes it here.
/// </summary>
public static class Workloads
{
    // Multiply-adds of one forward pass per sample (2 FLOP each, matmul/conv only); a training step counts 3x forward.
    private const double MlpForwardFlop = 2.0 * (784 * 256 + 256 * 128 + 128 * 10);
    private const double LeNetForwardFlop = 2.0 * (28 * 28 * 6 * 25 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10);

    // Two sides agree when outputs differ by at most this (float32 sums in a different order differ by ~1e-6).
    private const double OutputTolerance = 1e-4;

    /// <summary>zero_grad, forward, cross-entropy, backward, Adam (lr 1e-3) on one fixed batch.</summary>
    public static Comparison Training(string model, int batch, int threads, Target? target)
    {
        bool lenet = model == "LeNet-5";
        ModelGen.IModel mg = lenet ? new LeNet5() : new MnistMlp();
        mg.Initialize(0);
        MgTensor x = lenet ? Data.Images(batch, seed: 1) : Data.Rows(batch, 784, seed: 1);
        MgTensor y = Data.Labels(batch, seed: 2);
        var adam = new Adam(mg.Parameters(), lr: 1e-3);
        Func<float> mgStep;
        if (lenet)
        {
            var compiled = ((LeNet5)mg).Compile(new ModelGen.CompileOptions { MaxBatch = batch });
            mgStep = () => compiled.TrainStep(x, y, adam);
        }
        else
        {
            var compiled = ((MnistMlp)mg).Compile(new ModelGen.CompileOptions { MaxBatch = batch });
            mgStep = () => compiled.TrainStep(x, y, adam);
        }

        nn.Module<Tensor, Tensor> tm = lenet ? TorchModels.LeNet5() : new TorchModels.Mlp();
        TorchModels.CopyWeights(mg, tm);
        tm.train();
        var topt = optim.Adam(tm.parameters(), lr: 1e-3);
        Tensor tx = TorchModels.Float(x), ty = TorchModels.Labels(y);
        float TorchStep()
        {
            using var scope = torch.NewDisposeScope();
            topt.zero_grad();
            Tensor loss = F.cross_entropy(tm.forward(tx), ty);
            loss.backward();
            topt.step();
            return loss.item<float>();
        }

        // Same weights, data and optimizer: the losses of the first two steps (the second after one Adam update) agree.
        float mg0 = mgStep(), t0 = TorchStep(), mg1 = mgStep(), t1 = TorchStep();
        double diff = Math.Max(Math.Abs(mg0 - t0), Math.Abs(mg1 - t1));
        return new Comparison("Training step", $"{model} b{batch}", threads,
            3 * (lenet ? LeNetForwardFlop : MlpForwardFlop) * batch,
            [new Contender("ModelGen", () => mgStep()), new Contender("TorchSharp", TorchStepTimed)])
        {
            Target = target,
            Check = $"losses of steps 1-2 ModelGen {mg0:F5}, {mg1:F5}; TorchSharp {t0:F5}, {t1:F5}",
            Mismatch = diff > 1e-3,
        };

        // The timed step leaves the loss on the tensor, as a training loop that logs every n steps would.
        void TorchStepTimed()
        {
            using var scope = torch.NewDisposeScope();
            topt.zero_grad();
            F.cross_entropy(tm.forward(tx), ty).backward();
            topt.step();
        }
    }

    /// <summary>Compiled forward (ModelGen) vs eval + no_grad (TorchSharp) vs an InferenceSession (MLP only).</summary>
    public static Comparison Inference(string model, int batch, int threads, Target? target)
    {
        bool lenet = model == "LeNet-5";
        ModelGen.IModel mg = lenet ? new LeNet5() : new MnistMlp();
        mg.Initialize(1);
        MgTensor x = lenet ? Data.Images(batch, seed: 3) : Data.Rows(batch, 784, seed: 3);
        Func<MgTensor> mgForward;
        if (lenet)
        {
            var compiled = ((LeNet5)mg).Compile(new ModelGen.CompileOptions { MaxBatch = batch });
            mgForward = () => compiled.Forward(x);
        }
        else
        {
            var compiled = ((MnistMlp)mg).Compile(new ModelGen.CompileOptions { MaxBatch = batch });
            mgForward = () => compiled.Forward(x);
        }
        float[] mgOut = mgForward().ToArray();

        nn.Module<Tensor, Tensor> tm = lenet ? TorchModels.LeNet5() : new TorchModels.Mlp();
        TorchModels.CopyWeights(mg, tm);
        tm.eval();
        Tensor tx = TorchModels.Float(x);
        float[] torchOut;
        using (torch.no_grad()) torchOut = tm.forward(tx).data<float>().ToArray();
        double worst = TorchModels.MaxAbsDiff(mgOut, torchOut);
        string check = $"max abs diff vs TorchSharp {worst:E1}";

        var contenders = new List<Contender>
        {
            new("ModelGen", () => mgForward()),
            new("TorchSharp", () =>
            {
                using var noGrad = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                tm.forward(tx);
            }),
        };
        if (!lenet)
        {
            // ONNX Runtime with the same weights; OrtValues over preallocated arrays, the fastest C# calling pattern.
            var options = new SessionOptions
            {
                IntraOpNumThreads = threads, InterOpNumThreads = 1,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            };
            // The session and its values live for the whole run, like the other sides' models.
            var session = new InferenceSession(OnnxWriter.LinearReluStack(mg.Parameters()), options);
            var run = new RunOptions();
            float[] input = x.ToArray(), output = new float[batch * 10];
            OrtValue[] inputs = [OrtValue.CreateTensorValueFromMemory(input, [batch, 784])];
            OrtValue[] outputs = [OrtValue.CreateTensorValueFromMemory(output, [batch, 10])];
            string[] inNames = ["x"], outNames = ["y"];
            session.Run(run, inNames, inputs, outNames, outputs);
            double ortDiff = TorchModels.MaxAbsDiff(mgOut, output);
            worst = Math.Max(worst, ortDiff);
            check += $", vs ONNX Runtime {ortDiff:E1}";
            contenders.Add(new Contender("ONNX Runtime", () => session.Run(run, inNames, inputs, outNames, outputs)));
        }
        return new Comparison("Inference", $"{model} b{batch}", threads, (lenet ? LeNetForwardFlop : MlpForwardFlop) * batch, contenders)
        {
            Target = target, Check = check, Mismatch = worst > OutputTolerance,
        };
    }

    /// <summary>C = A·B, n×n float32, into a preallocated C: Gemm.Multiply vs addmm_(beta 0) on torch tensors.</summary>
    public static Comparison Gemm(int n, int threads, Target? target)
    {
        float[] a = Data.Rows(n, n, seed: 5).ToArray(), b = Data.Rows(n, n, seed: 6).ToArray(), c = new float[n * n];
        void Multiply() => ModelGen.Kernels.Gemm.Multiply(n, n, n, a, n, false, b, n, false, c, n);
        Tensor ta = torch.tensor(a, new long[] { n, n }), tb = torch.tensor(b, new long[] { n, n }), tc = torch.zeros(n, n);
        void TorchMultiply()
        {
            // An in-place op may hand back a new wrapper of the same tensor; dispose it so no finalizers pile up.
            Tensor result = tc.addmm_(ta, tb, beta: 0, alpha: 1);
            if (!ReferenceEquals(result, tc)) result.Dispose();
        }
        Multiply();
        TorchMultiply();
        float[] torchC = tc.data<float>().ToArray();
        double scale = torchC.Max(v => Math.Abs((double)v));
        double relative = TorchModels.MaxAbsDiff(c, torchC) / scale;
        return new Comparison("GEMM", $"{n}x{n}x{n}", threads, 2.0 * n * n * n,
            [new Contender("ModelGen", Multiply), new Contender("TorchSharp", TorchMultiply)])
        {
            Target = target, Check = $"max abs diff / max abs C {relative:E1}", Mismatch = relative > 1e-4,
        };
    }
}
