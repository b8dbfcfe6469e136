using System.Globalization;
using ModelGen.Kernels;
using ModelGen.Quantization;
using Samples.LeNet;

namespace ModelGen.Benchmarks;

/// <summary>
/// `--int8-stages`: LeNet-5's Forward at batch 64 stage by stage, float32 next to int8, each stage called alone on
/// the buffers the compiled Forward would hand it (so its inputs are real activations). A convolution whose int8
/// call runs the max pooling too is one stage with it. Shows where the int8 speed-up is won or lost; the sum of a
/// column is close to, not equal to, the whole Forward (caches differ).
/// </summary>
internal static class Int8Stages
{
    private const int Batch = 64;

    public static void Run(double seconds, Func<int, int, int, Tensor> randomTensor)
    {
        var model = new LeNet5();
        model.Initialize(0);
        Tensor x = Tensor.FromArray(randomTensor(Batch, 784, 5).ToArray(), Batch, 1, 28, 28);
        using var int8 = model.Compile(new CompileOptions { MaxBatch = Batch, Quantization = QuantizationOptions.Int8([x]) });
        Int8Layer[] layers = [.. int8.Int8!.Layers];
        var conv1 = (Int8Conv2d)layers[0];
        var conv2 = (Int8Conv2d)layers[1];
        var fc = layers.Skip(2).Cast<Int8Linear>().ToArray();
        Conv2dGeometry g1 = conv1.Geometry, g2 = conv2.Geometry;
        var p1 = new Pool2dGeometry(6, 28, 28, 2, 2, 2, 2, 0, 0);
        var p2 = new Pool2dGeometry(16, 10, 10, 2, 2, 2, 2, 0, 0);

        float[] input = x.AsReadOnlySpan().ToArray();
        float[] c1 = new float[Batch * g1.OutputImageLength], h1 = new float[Batch * p1.Channels * 14 * 14];
        float[] c2 = new float[Batch * g2.OutputImageLength], h2 = new float[Batch * 400];
        float[] f1 = new float[Batch * 120], f2 = new float[Batch * 84], logits = new float[Batch * 10];
        float[] workspace = new float[Math.Max(g1.WorkspaceSize, g2.WorkspaceSize) * Math.Max(1, Gemm.MaxThreads)];
        float[] w1 = model.Parameters()[0].Value.AsReadOnlySpan().ToArray(), b1 = model.Parameters()[1].Value.AsReadOnlySpan().ToArray();
        float[] w2 = model.Parameters()[2].Value.AsReadOnlySpan().ToArray(), b2 = model.Parameters()[3].Value.AsReadOnlySpan().ToArray();
        (float[] W, float[] B, int In, int Out)[] linear = [.. Enumerable.Range(0, 3).Select(i =>
        {
            Tensor w = model.Parameters()[4 + 2 * i].Value, b = model.Parameters()[5 + 2 * i].Value;
            return (w.AsReadOnlySpan().ToArray(), b.AsReadOnlySpan().ToArray(), w.Size(1), w.Size(0));
        })];

        Console.WriteLine("| stage | float32 ms | int8 ms | speed-up |");
        Console.WriteLine("|---|---|---|---|");
        double floatSum = 0, int8Sum = 0;
        void Stage(string name, Action f32, Action i8)
        {
            var (a, b, ratio, _, _) = Timing.Compare(name, f32, name + " int8", i8, seconds);
            floatSum += a.MedianMs;
            int8Sum += b.MedianMs;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {a.MedianMs:F3} | {b.MedianMs:F3} | {ratio:F2}x |"));
        }
        // Fill every buffer once in float so each stage reads what the Forward would.
        Convolution.Conv2dForward<float>(input, w1, b1, c1, Batch, g1, workspace, Activation.Relu);
        Pooling.MaxPool2dForward<float>(c1, h1, Batch, p1);
        Convolution.Conv2dForward<float>(h1, w2, b2, c2, Batch, g2, workspace, Activation.Relu);
        Pooling.MaxPool2dForward<float>(c2, h2, Batch, p2);

        // A convolution whose int8 call pools too (Int8Conv2d.MaxPool, the compiled model's choice) is one stage.
        void ConvolutionStage(string name, Int8Conv2d conv, float[] x, float[] w, float[] b, float[] y, float[] pooled, in Conv2dGeometry g, Pool2dGeometry p)
        {
            Conv2dGeometry geometry = g;
            if (conv.MaxPool == null)
            {
                Stage($"{name} (+ReLU)", () => Convolution.Conv2dForward<float>(x, w, b, y, Batch, geometry, workspace, Activation.Relu),
                    () => conv.TryForward(Batch, x, y));
                Stage($"pool after {name}", () => Pooling.MaxPool2dForward<float>(y, pooled, Batch, p), () => Pooling.MaxPool2dForward<float>(y, pooled, Batch, p));
                return;
            }
            Stage($"{name} (+ReLU) + pool", () =>
            {
                Convolution.Conv2dForward<float>(x, w, b, y, Batch, geometry, workspace, Activation.Relu);
                Pooling.MaxPool2dForward<float>(y, pooled, Batch, p);
            }, () => conv.TryForward(Batch, x, pooled));
        }
        ConvolutionStage("conv1", conv1, input, w1, b1, c1, h1, g1, p1);
        ConvolutionStage("conv2", conv2, h1, w2, b2, c2, h2, g2, p2);
        float[][] ins = [h2, f1, f2], outs = [f1, f2, logits];
        for (int i = 0; i < 3; i++)
        {
            int layer = i;
            var (w, b, inFeatures, outFeatures) = linear[i];
            Stage(fc[i].Layer, () => Gemm.MultiplyPacked(Batch, outFeatures, inFeatures, ins[layer], inFeatures, false, w, inFeatures, true, null,
                    outs[layer], outFeatures, bias: b, activation: layer < 2 ? Activation.Relu : Activation.None),
                () => fc[layer].TryForward(Batch, ins[layer], outs[layer]));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sum of stages | {floatSum:F3} | {int8Sum:F3} | {floatSum / int8Sum:F2}x |"));
    }
}
