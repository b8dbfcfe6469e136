using ModelGen.Kernels;
using ModelGen.Quantization;
using Xunit;

namespace ModelGen.Tests.Quantization;

/// <summary>One Int8Linear against the float product it replaces.</summary>
public class Int8LinearTests
{
    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(37, 19, true)]
    [InlineData(784, 256, true)]
    public void TryForward_Calibrated_CloseToFloatProduct(int inFeatures, int outFeatures, bool relu)
    {
        var random = new Random(5);
        const int rows = 9;
        float[] weight = Enumerable.Range(0, inFeatures * outFeatures).Select(_ => (float)(random.NextDouble() * 2 - 1) / MathF.Sqrt(inFeatures)).ToArray();
        float[] bias = Enumerable.Range(0, outFeatures).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        float[] x = Enumerable.Range(0, rows * inFeatures).Select(_ => (float)(random.NextDouble() * 3 - 1)).ToArray();
        Activation activation = relu ? Activation.Relu : Activation.None;
        Int8Linear layer = Int8Linear.FromFloat("fc", inFeatures, outFeatures, weight, bias, activation, rows);
        layer.BeginCalibration(Calibration.MinMax);
        var y = new float[rows * outFeatures];
        Assert.False(layer.TryForward(rows, x, y));
        layer.EndCalibration(Calibration.MinMax);
        Assert.True(layer.TryForward(rows, x, y));

        var expected = new float[rows * outFeatures];
        Gemm.Reference(rows, outFeatures, inFeatures, x, inFeatures, false, weight, inFeatures, true, expected, outFeatures, bias: bias, activation: activation);
        // Each product errs by at most half an activation step times |w| plus half a weight step times |x|
        // (|w| ≤ 1/√in, |x| ≤ 2, weight step ≤ 2/(127·√in)); summed over the row, a worst case the test allows.
        double tolerance = inFeatures * (0.5 * layer.ActivationScale / Math.Sqrt(inFeatures) + 0.5 * 2 / (127 * Math.Sqrt(inFeatures)) * 2);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - y[i]) <= tolerance, $"element {i}: int8 {y[i]}, float {expected[i]}, tolerance {tolerance}");
    }
}
