using ModelGen.Kernels;
using ModelGen.Quantization;
using Xunit;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// One Int8Conv2d against a reference built from its own int8 codes (exact up to float rounding) and against the
/// float convolution (within the quantisation error bound). Every path bit for bit: Int8Conv2dKernelTests.
/// </summary>
public class Int8Conv2dTests
{
    // (inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, dilation, relu)
    public static TheoryData<int, int, int, int, int, int, int, int, int, bool> Geometries() => new()
    {
        { 1, 28, 28, 6, 5, 5, 1, 2, 1, true },   // LeNet conv1
        { 6, 14, 14, 16, 5, 5, 1, 0, 1, false }, // LeNet conv2
        { 3, 11, 9, 17, 3, 3, 2, 1, 1, true },   // odd sizes, stride 2, padding
        { 5, 13, 10, 7, 3, 2, 1, 2, 2, false },  // dilation 2, non-square kernel, padding past the dilated reach
        { 4, 7, 7, 33, 1, 1, 1, 0, 1, true },    // pointwise, outputs over two panels
        { 2, 9, 12, 3, 4, 3, 3, 0, 1, false },   // stride 3 dropping the last rows and columns
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void TryForward_Calibrated_MatchesDequantizedReferenceAndFloatWithinErrorBound(int inC, int h, int w, int outC, int kh, int kw, int stride, int padding, int dilation, bool relu)
    {
        Int8Conv2dKernelTests.Case c = Int8Conv2dKernelTests.Make(inC, h, w, outC, kh, kw, stride, padding, dilation, relu, batch: 3, seed: 11);
        Conv2dGeometry g = c.Geometry;
        Int8Conv2d layer = Int8Conv2dKernelTests.Calibrated(c);
        float[] actual = Int8Conv2dKernelTests.Run(layer, c, Int8Path.Auto);

        var expected = new float[actual.Length];
        Convolution.Conv2dForward<float>(c.X, c.Weight, c.Bias, expected, c.Batch, g, new float[g.WorkspaceSize], c.Activation);

        float inverse = 1f / layer.ActivationScale;
        int zeroPoint = layer.ZeroPoint;
        // The codes exactly as the int8 path makes them (round half to even, clamped to 0..127); padding is 0.0.
        float Code(float x) => Math.Clamp(MathF.Round(x * inverse) + zeroPoint, 0f, 127f);
        ReadOnlySpan<sbyte> codes = layer.Weights;
        ReadOnlySpan<float> weightScales = layer.WeightScales;
        for (int n = 0; n < c.Batch; n++)
        for (int o = 0; o < g.OutChannels; o++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            long sum = 0;
            double bound = 0; // the quantisation error bound of the float output, tap by tap
            double activationStep = layer.ActivationScale, weightStep = weightScales[o];
            for (int ci = 0; ci < g.InChannels; ci++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
            {
                int iy = oy * g.StrideHeight - g.PaddingHeight + ky * g.DilationHeight;
                int ix = ox * g.StrideWidth - g.PaddingWidth + kx * g.DilationWidth;
                bool inside = iy >= 0 && iy < g.InHeight && ix >= 0 && ix < g.InWidth;
                float x = inside ? c.X[((n * g.InChannels + ci) * g.InHeight + iy) * g.InWidth + ix] : 0f;
                int tap = (ci * g.KernelHeight + ky) * g.KernelWidth + kx;
                sum += (long)((inside ? Code(x) : zeroPoint) - zeroPoint) * codes[o * g.ColumnRows + tap];
                float wf = c.Weight[o * g.ColumnRows + tap];
                bound += 0.5 * activationStep * Math.Abs(wf) + 0.5 * weightStep * Math.Abs(x) + 0.25 * activationStep * weightStep;
            }
            double reference = sum * activationStep * weightStep + c.Bias[o];
            if (relu) reference = Math.Max(reference, 0);
            int at = ((n * g.OutChannels + o) * g.OutHeight + oy) * g.OutWidth + ox;
            Assert.True(Math.Abs(actual[at] - reference) <= 1e-5 * (Math.Abs(sum * activationStep * weightStep) + Math.Abs(c.Bias[o]) + 1e-3),
                $"output {at}: int8 {actual[at]}, from its own codes {reference}");
            Assert.True(Math.Abs(actual[at] - expected[at]) <= bound + 1e-5, $"output {at}: int8 {actual[at]}, float {expected[at]}, bound {bound}");
        }
    }

    [Fact]
    public void FromFloat_GroupedConvolution_Refused()
    {
        var g = new Conv2dGeometry(4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2);
        var error = Assert.Throws<ArgumentException>(() => Int8Conv2d.FromFloat("dw", g, new float[g.WeightLength], new float[4], Activation.None));
        Assert.Contains("groups 1", error.Message);
    }
}
