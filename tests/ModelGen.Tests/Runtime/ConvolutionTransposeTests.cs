using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// ConvTranspose2d: the kernels against a direct scatter loop (PyTorch's definition), against Conv2d's input
/// gradient, float32 against float64, gradients against finite differences, the layer's initialisation and checks.
/// </summary>
public class ConvolutionTransposeTests
{
    /// <summary>One transposed convolution to test: its batch, geometry and whether it has a bias.</summary>
    public sealed record ConvTCase(int Batch, int InChannels, int Height, int Width, int OutChannels, int Kernel,
        int Stride, int Padding, int OutputPadding, int Dilation, int Groups, bool HasBias)
    {
        public ConvTranspose2dGeometry ToGeometry() => new(InChannels, Height, Width, OutChannels, Kernel, Kernel,
            Stride, Stride, Padding, Padding, OutputPadding, OutputPadding, Dilation, Dilation, Groups);
    }

    // Strides 1/2/3, paddings 0/1/2, output paddings 0/1 (also ≥ stride, allowed below the dilation), dilations 1/2,
    // groups 1/2 and depthwise, 1×1 kernels (pointwise, and strided), odd sizes, batch 1 to 3.
    public static TheoryData<ConvTCase> Cases => new()
    {
        new ConvTCase(1, 3, 5, 3, 4, 3, 1, 0, 0, 1, 1, true),
        new ConvTCase(3, 2, 5, 3, 3, 3, 2, 1, 1, 1, 1, false),
        new ConvTCase(2, 4, 3, 5, 6, 3, 2, 1, 0, 2, 2, true),
        new ConvTCase(2, 4, 3, 4, 2, 2, 2, 0, 1, 1, 2, true),
        new ConvTCase(1, 3, 4, 3, 3, 3, 1, 1, 0, 1, 3, false),
        new ConvTCase(3, 4, 5, 3, 6, 1, 1, 0, 0, 1, 1, true),
        new ConvTCase(2, 2, 3, 5, 4, 1, 2, 0, 1, 1, 2, true),
        new ConvTCase(2, 3, 3, 3, 2, 3, 1, 2, 1, 2, 1, true),
        new ConvTCase(1, 2, 3, 2, 3, 2, 3, 1, 2, 2, 1, false),
        new ConvTCase(3, 1, 2, 3, 2, 5, 1, 2, 0, 1, 1, true),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_Float64_MatchesDirectScatter(ConvTCase c)
    {
        ConvTranspose2dGeometry g = c.ToGeometry();
        var (x, w, b) = RandomOperands(c, seed: 1);
        var y = new double[c.Batch * g.OutputImageLength];
        Array.Fill(y, 7.0);
        Convolution.ConvTranspose2dForward<double>(x, w, b, y, c.Batch, in g, new double[g.WorkspaceSize]);

        double[] expected = DirectScatter(x, w, b, c.Batch, g);
        Assert.True(GradCheck.MaxRelativeError(y, expected) < 1e-12, $"{c}: {GradCheck.MaxRelativeError(y, expected)}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_OutputPaddingBelowStride_EqualsConv2dInputGradient(ConvTCase c)
    {
        if (c.OutputPadding >= c.Stride) return; // the matching Conv2d would give a larger output there
        ConvTranspose2dGeometry g = c.ToGeometry();
        var (x, w, _) = RandomOperands(c, seed: 5);
        var conv = new Conv2dGeometry(c.OutChannels, g.OutHeight, g.OutWidth, c.InChannels, c.Kernel, c.Kernel,
            c.Stride, c.Stride, c.Padding, c.Padding, c.Dilation, c.Dilation, c.Groups);
        Assert.Equal((c.Height, c.Width), (conv.OutHeight, conv.OutWidth));
        var y = new double[c.Batch * g.OutputImageLength];
        var expected = new double[y.Length];
        Convolution.ConvTranspose2dForward<double>(x, w, default, y, c.Batch, in g, new double[g.WorkspaceSize]);
        // The same weight memory: Conv2d's [out = InChannels, in/groups = OutChannels/groups, k, k].
        Convolution.Conv2dBackwardInput<double>(x, w, expected, c.Batch, in conv, new double[conv.WorkspaceSize]);
        Assert.True(GradCheck.MaxRelativeError(y, expected) < 1e-12, $"{c}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kernels_Float32_MatchFloat64(ConvTCase c)
    {
        ConvTranspose2dGeometry g = c.ToGeometry();
        var (x, w, b) = RandomOperands(c, seed: 2);
        double[] dy = RandomValues(new Rng(3), c.Batch * g.OutputImageLength);
        var (y, dx, dw, db) = (new double[dy.Length], new double[x.Length], new double[w.Length], new double[g.OutChannels]);
        var workspace = new double[g.WorkspaceSize];
        Convolution.ConvTranspose2dForward<double>(x, w, b, y, c.Batch, in g, workspace);
        Convolution.ConvTranspose2dBackwardInput<double>(dy, w, dx, c.Batch, in g, workspace);
        Convolution.ConvTranspose2dBackwardWeight<double>(dy, x, dw, c.Batch, in g, workspace);
        Convolution.ConvTranspose2dBackwardBias<double>(dy, db, c.Batch, in g);

        var (y32, dx32, dw32, db32) = (new float[y.Length], new float[dx.Length], new float[dw.Length], new float[db.Length]);
        var workspace32 = new float[g.WorkspaceSize];
        // Garbage in the outputs proves the kernels overwrite rather than accumulate.
        foreach (float[] output in new[] { y32, dx32, dw32, db32 }) Array.Fill(output, 7f);
        Convolution.ConvTranspose2dForward<float>(ToFloat(x), ToFloat(w), ToFloat(b), y32, c.Batch, in g, workspace32);
        Convolution.ConvTranspose2dBackwardInput<float>(ToFloat(dy), ToFloat(w), dx32, c.Batch, in g, workspace32);
        Convolution.ConvTranspose2dBackwardWeight<float>(ToFloat(dy), ToFloat(x), dw32, c.Batch, in g, workspace32);
        Convolution.ConvTranspose2dBackwardBias<float>(ToFloat(dy), db32, c.Batch, in g);

        AssertClose(y, y32, 1e-5);
        AssertClose(dx, dx32, 1e-5);
        AssertClose(dw, dw32, 1e-5);
        AssertClose(db, db32, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_Float64_MatchFiniteDifferences(ConvTCase c)
    {
        ConvTranspose2dGeometry g = c.ToGeometry();
        var rng = new Rng(4);
        Tensor x = GradCheck.Random(rng, -1, 1, c.Batch, c.InChannels, c.Height, c.Width);
        Tensor w = GradCheck.Random(rng, -1, 1, c.InChannels, c.OutChannels / c.Groups, c.Kernel, c.Kernel);
        Tensor? b = c.HasBias ? GradCheck.Random(rng, -1, 1, c.OutChannels) : null;
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        GradCheck.Assert(() => Ops.ConvTranspose2d(x, w, b, in g), inputs);
    }

    [Fact]
    public void Gradients_OnlyWeightRequiresGrad_LeavesInputGradNull()
    {
        var rng = new Rng(5);
        Tensor x = GradCheck.Random(rng, -1, 1, 2, 2, 3, 3);
        x.RequiresGrad = false;
        Tensor w = GradCheck.Random(rng, -1, 1, 2, 3, 3, 3);
        var g = new ConvTranspose2dGeometry(2, 3, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1);
        GradCheck.Assert(() => Ops.ConvTranspose2d(x, w, null, in g), x, w);
        Ops.Sum(Ops.ConvTranspose2d(x, w, null, in g)).Backward();
        Assert.Null(x.Grad);
        Assert.NotNull(w.Grad);
    }

    [Fact]
    public void Layer_Float64_GradientsFlowToWeightAndBias()
    {
        var layer = new ConvTranspose2d(2, 4, 3, stride: 2, padding: 1, outputPadding: 1, groups: 2);
        layer.Weight.CastInPlace(DType.Float64);
        layer.Bias!.CastInPlace(DType.Float64);
        Tensor x = GradCheck.Random(new Rng(6), -1, 1, 3, 2, 5, 3);
        GradCheck.Assert(() => layer.Forward(x), x, layer.Weight, layer.Bias);
        // (5 − 1)·2 − 2 + 2 + 1 + 1 = 10, (3 − 1)·2 − 2 + 2 + 1 + 1 = 6: a stride of 2 doubles the size.
        Assert.Equal(new[] { 3, 4, 10, 6 }, layer.Forward(x).Shape);
    }

    [Theory]
    [InlineData(1, 3, 1, 0, 1)] // columns path, strided
    [InlineData(1, 1, 1, 0, 1)] // pointwise: no columns, no workspace
    [InlineData(3, 3, 2, 1, 3)] // depthwise, strided with output padding
    public void Kernels_SecondCall_AllocateNothing(int batch, int kernel, int stride, int outputPadding, int groups)
    {
        var g = new ConvTranspose2dGeometry(3, 7, 5, 6, kernel, kernel, stride, stride, 0, 0, outputPadding, outputPadding, 1, 1, groups);
        var (x, w, b) = (new float[batch * g.InputImageLength], new float[g.WeightLength], new float[g.OutChannels]);
        var (y, workspace) = (new float[batch * g.OutputImageLength], new float[g.WorkspaceSize]);
        var (x64, w64, y64, workspace64) = (new double[x.Length], new double[w.Length], new double[y.Length], new double[g.WorkspaceSize]);
        void Run()
        {
            Convolution.ConvTranspose2dForward<float>(x, w, b, y, batch, in g, workspace);
            Convolution.ConvTranspose2dBackwardInput<float>(y, w, x, batch, in g, workspace);
            Convolution.ConvTranspose2dBackwardWeight<float>(y, x, w, batch, in g, workspace);
            Convolution.ConvTranspose2dBackwardBias<float>(y, b, batch, in g);
            Convolution.ConvTranspose2dForward<double>(x64, w64, default, y64, batch, in g, workspace64);
            Convolution.ConvTranspose2dBackwardInput<double>(y64, w64, x64, batch, in g, workspace64);
            Convolution.ConvTranspose2dBackwardWeight<double>(y64, x64, w64, batch, in g, workspace64);
        }
        Run();
        Assert.Equal(0, Allocations.SteadyState(() => Run()));
    }

    [Fact]
    public void Geometry_PyTorchFormula_GivesOutputAndWorkspaceSizes()
    {
        var g = new ConvTranspose2dGeometry(4, 7, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 2);
        // (7 − 1)·2 − 2 + 2·2 + 1 + 1 = 16, (5 − 1)·2 − 2 + 4 + 1 + 1 = 12.
        Assert.Equal((16, 12), (g.OutHeight, g.OutWidth));
        Assert.Equal(3 * 3 * 3 * 7 * 5, g.WorkspaceSize);
        Assert.Equal(4 * 3 * 3 * 3, g.WeightLength);
        Assert.Equal(0, new ConvTranspose2dGeometry(4, 7, 5, 6, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1).WorkspaceSize);
    }

    [Fact]
    public void Geometry_InvalidSizes_ThrowNamingTheProblem()
    {
        var outputPadding = Assert.Throws<ArgumentException>(() => new ConvTranspose2dGeometry(1, 3, 3, 1, 3, 3, 2, 2, 0, 0, 2, 2, 1, 1, 1));
        Assert.Contains("smaller than either the stride", outputPadding.Message);
        var empty = Assert.Throws<ArgumentException>(() => new ConvTranspose2dGeometry(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1));
        Assert.Contains("empty", empty.Message);
        var groups = Assert.Throws<ArgumentException>(() => new ConvTranspose2dGeometry(3, 8, 8, 4, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 2));
        Assert.Contains("divisible by Groups (2)", groups.Message);
    }

    [Fact]
    public void Kernels_ShortWorkspace_ThrowNamingIt()
    {
        var g = new ConvTranspose2dGeometry(2, 3, 3, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1);
        var error = Assert.Throws<ArgumentException>(() => Convolution.ConvTranspose2dForward<double>(
            new double[g.InputImageLength], new double[g.WeightLength], default, new double[g.OutputImageLength], 1, in g,
            new double[g.WorkspaceSize - 1]));
        Assert.Contains("ConvTranspose2d workspace", error.Message);
    }

    [Fact]
    public void Layer_Constructor_InitialisesWithinOneOverSqrtFanInOfWeightSize1()
    {
        var layer = new ConvTranspose2d(8, 6, 3, groups: 2);
        Assert.Equal(new[] { 8, 3, 3, 3 }, layer.Weight.Shape);
        Assert.Equal(new[] { 6 }, layer.Bias!.Shape);
        // PyTorch's fan_in for this layout is weight.size(1)·k·k = (out/groups)·k·k.
        float bound = 1f / MathF.Sqrt(3 * 3 * 3);
        float[] weights = layer.Weight.ToArray();
        Assert.All(weights, v => Assert.InRange(v, -bound, bound));
        Assert.All(layer.Bias.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.True(weights.Max() > 0.9f * bound && weights.Min() < -0.9f * bound);
        Assert.Equal(["weight", "bias"], layer.NamedParameters().Select(p => p.Name));
        Assert.Null(new ConvTranspose2d(1, 1, 1, bias: false).Bias);
        var props = new ConvTranspose2d(4, 8, 5, stride: 3, padding: 2, outputPadding: 2, groups: 4, bias: false, dilation: 2);
        Assert.Equal((4, 8, 5, 3, 2, 2, 4, 2), (props.InChannels, props.OutChannels, props.KernelSize, props.Stride,
            props.Padding, props.OutputPadding, props.Groups, props.Dilation));
    }

    [Theory]
    [InlineData(0, 4, 3, 1, 0, 0, 1, 1)]
    [InlineData(3, 4, 0, 1, 0, 0, 1, 1)]
    [InlineData(3, 4, 3, 0, 0, 0, 1, 1)]
    [InlineData(3, 4, 3, 1, -1, 0, 1, 1)]
    [InlineData(3, 4, 3, 2, 0, 2, 1, 1)] // output padding not below stride nor dilation
    [InlineData(3, 4, 3, 1, 0, 1, 1, 1)]
    [InlineData(3, 4, 3, 1, 0, 0, 2, 1)]
    [InlineData(3, 4, 3, 1, 0, 0, 1, 0)]
    public void Layer_InvalidArguments_ThrowOutOfRange(int inC, int outC, int kernel, int stride, int padding, int outputPadding, int groups, int dilation)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvTranspose2d(inC, outC, kernel, stride, padding, outputPadding, groups, true, dilation));
    }

    [Fact]
    public void Layer_Forward_WrongInput_ThrowsNamingExpectedAndActual()
    {
        var layer = new ConvTranspose2d(3, 4, 3);
        var channels = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(2, 5, 8, 8)));
        Assert.Contains("[N, 3, H, W]", channels.Message);
        Assert.Contains("[2, 5, 8, 8]", channels.Message);
        Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(3, 8, 8)));
        Assert.Throws<ArgumentException>(() => new ConvTranspose2d(3, 4, 1, padding: 1).Forward(Tensor.Zeros(1, 3, 1, 1)));
    }

    /// <summary>
    /// The definition: every x[n, c, i, j] adds x · w[c, o', p, q] onto y[n, o, i·s − pad + p·d, j·s − pad + q·d] for
    /// each output channel o of c's group, dropping positions outside the output; y starts from the bias.
    /// </summary>
    private static double[] DirectScatter(double[] x, double[] w, double[] b, int batch, ConvTranspose2dGeometry g)
    {
        var y = new double[batch * g.OutputImageLength];
        int cg = g.InChannelsPerGroup, og = g.OutChannelsPerGroup, outPixels = g.OutHeight * g.OutWidth;
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < g.OutChannels && b.Length > 0; o++)
            Array.Fill(y, b[o], (n * g.OutChannels + o) * outPixels, outPixels);
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < g.InChannels; c++)
        for (int i = 0; i < g.InHeight; i++)
        for (int j = 0; j < g.InWidth; j++)
        for (int ol = 0; ol < og; ol++)
        for (int p = 0; p < g.KernelHeight; p++)
        for (int q = 0; q < g.KernelWidth; q++)
        {
            int o = c / cg * og + ol;
            int h = i * g.StrideHeight - g.PaddingHeight + p * g.DilationHeight;
            int v = j * g.StrideWidth - g.PaddingWidth + q * g.DilationWidth;
            if (h < 0 || h >= g.OutHeight || v < 0 || v >= g.OutWidth) continue;
            y[((n * g.OutChannels + o) * g.OutHeight + h) * g.OutWidth + v] +=
                x[((n * g.InChannels + c) * g.InHeight + i) * g.InWidth + j] * w[((c * og + ol) * g.KernelHeight + p) * g.KernelWidth + q];
        }
        return y;
    }

    private static (double[] X, double[] W, double[] B) RandomOperands(ConvTCase c, int seed)
    {
        var rng = new Rng(seed);
        ConvTranspose2dGeometry g = c.ToGeometry();
        return (RandomValues(rng, c.Batch * g.InputImageLength), RandomValues(rng, g.WeightLength),
            c.HasBias ? RandomValues(rng, g.OutChannels) : []);
    }

    private static double[] RandomValues(Rng rng, int count)
    {
        var values = new double[count];
        // Rounded to float so that the float32 run sees exactly the same operands.
        for (int i = 0; i < count; i++) values[i] = (float)(2 * rng.NextDouble() - 1);
        return values;
    }

    private static float[] ToFloat(double[] values) => values.Select(v => (float)v).ToArray();

    private static void AssertClose(double[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i]));
            Assert.True(error <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
