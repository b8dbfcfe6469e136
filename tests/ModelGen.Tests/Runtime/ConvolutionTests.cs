using ModelGen;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// Conv2d: the kernels against a direct six-loop convolution, float32 against float64, gradients against finite
/// differences, the layer's initialisation and its argument checks.
/// </summary>
public class ConvolutionTests
{
    /// <summary>One convolution to test: its batch, geometry and whether it has a bias.</summary>
    public sealed record ConvCase(int Batch, int InChannels, int Height, int Width, int OutChannels, int Kernel,
        int Stride, int Padding, int Dilation, int Groups, bool HasBias)
    {
        public Conv2dGeometry ToGeometry() => new(InChannels, Height, Width, OutChannels, Kernel, Kernel, Stride, Stride,
            Padding, Padding, Dilation, Dilation, Groups);
    }

    // Strides 1/2, paddings 0/1/2, dilations 1/2, groups 1, 2 and depthwise, 1×1 kernels, odd sizes, batch 1 and 3.
    public static TheoryData<ConvCase> Cases => new()
    {
        new ConvCase(1, 3, 7, 5, 4, 3, 1, 0, 1, 1, true),
        new ConvCase(3, 2, 7, 5, 3, 3, 2, 1, 1, 1, false),
        new ConvCase(2, 4, 6, 7, 6, 3, 1, 2, 2, 2, true),
        new ConvCase(3, 3, 7, 5, 3, 3, 1, 1, 1, 3, true),
        new ConvCase(1, 4, 5, 5, 8, 3, 2, 1, 1, 4, false),
        new ConvCase(3, 4, 7, 5, 6, 1, 1, 0, 1, 1, true),
        new ConvCase(2, 4, 5, 7, 2, 1, 2, 0, 1, 2, true),
        new ConvCase(1, 2, 5, 6, 3, 2, 2, 1, 2, 1, true),
        new ConvCase(3, 1, 5, 3, 2, 5, 1, 2, 1, 1, false),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_Float64_MatchesDirectLoops(ConvCase c)
    {
        Conv2dGeometry g = c.ToGeometry();
        var (x, w, b) = RandomOperands(c, seed: 1);
        var y = new double[c.Batch * g.OutputImageLength];
        Convolution.Conv2dForward<double>(x, w, b, y, c.Batch, in g, new double[g.WorkspaceSize]);

        double[] expected = DirectConvolution(x, w, b, c.Batch, g);
        Assert.True(GradCheck.MaxRelativeError(y, expected) < 1e-12, $"{c}: {GradCheck.MaxRelativeError(y, expected)}");
    }

    // Shapes the float32 direct kernels (Convolution.Direct.cs) take: the input gradient of LeNet's two layers, a partial
    // column tile (100 pixels), two strips with a partial one (16 channels), groups, stride 2; their forward and weight
    // gradient now mostly take the im2col-free kernels below (Gathered, Rows), cross-checked here too.
    public static TheoryData<ConvCase> DirectCases => new()
    {
        new ConvCase(2, 1, 28, 28, 6, 5, 1, 2, 1, 1, true),
        new ConvCase(3, 6, 14, 14, 16, 5, 1, 0, 1, 1, true),
        new ConvCase(2, 4, 9, 11, 10, 3, 1, 1, 2, 2, false),
        new ConvCase(2, 3, 11, 9, 7, 3, 2, 1, 1, 1, true),
        new ConvCase(1, 8, 5, 6, 4, 1, 1, 0, 1, 2, true),
    };

    // Shapes the float32 gathered kernels (Convolution.Gathered.cs) take, 16 output channels per group: LeNet's conv2,
    // padding (a padded copy), stride 2 with dilation 2, two groups of 16 over odd sizes, 32 channels in two blocks,
    // a partial pixel tile (25 pixels), and one output pixel per image (a tile of one row).
    public static TheoryData<ConvCase> GatheredCases => new()
    {
        new ConvCase(3, 6, 14, 14, 16, 5, 1, 0, 1, 1, true),
        new ConvCase(2, 3, 9, 8, 16, 3, 1, 1, 1, 1, true),
        new ConvCase(2, 4, 11, 13, 16, 3, 2, 2, 2, 1, false),
        new ConvCase(3, 6, 7, 9, 32, 3, 1, 1, 1, 2, true),
        new ConvCase(1, 2, 7, 7, 32, 3, 1, 0, 1, 1, true),
        new ConvCase(2, 5, 3, 3, 16, 3, 1, 0, 1, 1, true),
    };

    // Shapes the float32 row kernels (Convolution.Rows.cs) take, stride 1 and few channels: LeNet's conv1, two groups
    // of 7 channels (a partial strip) with dilation and rows of 18 (overlapping tiles, a masked tail), rows of exactly
    // 16, and rows of 11 (weight gradient only: the forward needs 16).
    public static TheoryData<ConvCase> RowsCases => new()
    {
        new ConvCase(3, 1, 28, 28, 6, 5, 1, 2, 1, 1, true),
        new ConvCase(2, 4, 9, 20, 14, 3, 1, 1, 2, 2, true),
        new ConvCase(3, 1, 12, 17, 3, 2, 1, 0, 1, 1, false),
        new ConvCase(2, 2, 6, 11, 5, 3, 1, 1, 1, 1, true),
    };

    [Fact]
    public void FastPaths_Float32_TakenWhereTheTestsExpectThem()
    {
        if (Gemm.BestPath == GemmPath.Scalar) return; // the vector kernels are off on this machine
        // The gathered kernels: every case takes the forward; the weight gradient needs room in the workspace.
        foreach (ConvCase c in GatheredCases)
        {
            Conv2dGeometry g = c.ToGeometry();
            Assert.True(Convolution.UseGatheredForward<float>(in g), $"{c}: forward");
        }
        Assert.True(Convolution.UseGatheredBackwardWeight<float>(new ConvCase(3, 6, 14, 14, 16, 5, 1, 0, 1, 1, true).ToGeometry()));
        Assert.True(Convolution.UseGatheredBackwardWeight<float>(new ConvCase(2, 3, 9, 8, 16, 3, 1, 1, 1, 1, true).ToGeometry()));
        Assert.False(Convolution.UseGatheredBackwardWeight<float>(new ConvCase(2, 5, 3, 3, 16, 3, 1, 0, 1, 1, true).ToGeometry()));
        Assert.False(Convolution.UseGatheredForward<double>(new ConvCase(3, 6, 14, 14, 16, 5, 1, 0, 1, 1, true).ToGeometry()));
        // The row kernel: the weight gradient for every case.
        foreach (ConvCase c in RowsCases)
        {
            Conv2dGeometry g = c.ToGeometry();
            Assert.True(Convolution.UseRowsBackwardWeight<float>(in g), $"{c}: weight gradient");
        }
        Assert.False(Convolution.UseRowsBackwardWeight<float>(new ConvCase(3, 2, 7, 5, 3, 3, 2, 1, 1, 1, false).ToGeometry()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(DirectCases))]
    [MemberData(nameof(GatheredCases))]
    [MemberData(nameof(RowsCases))]
    public void Kernels_Float32_MatchFloat64(ConvCase c)
    {
        Conv2dGeometry g = c.ToGeometry();
        var (x, w, b) = RandomOperands(c, seed: 2);
        double[] dy = RandomValues(new Rng(3), c.Batch * g.OutputImageLength);
        var y = new double[dy.Length];
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[g.OutChannels];
        var workspace = new double[g.WorkspaceSize];
        Convolution.Conv2dForward<double>(x, w, b, y, c.Batch, in g, workspace);
        Convolution.Conv2dBackwardInput<double>(dy, w, dx, c.Batch, in g, workspace);
        Convolution.Conv2dBackwardWeight<double>(dy, x, dw, c.Batch, in g, workspace);
        Convolution.Conv2dBackwardBias<double>(dy, db, c.Batch, in g);

        var y32 = new float[y.Length];
        var dx32 = new float[dx.Length];
        var dw32 = new float[dw.Length];
        var db32 = new float[db.Length];
        var workspace32 = new float[g.WorkspaceSize];
        // Garbage in the outputs proves the kernels overwrite rather than accumulate.
        Array.Fill(dx32, 7f);
        Array.Fill(dw32, 7f);
        Array.Fill(db32, 7f);
        Convolution.Conv2dForward<float>(ToFloat(x), ToFloat(w), ToFloat(b), y32, c.Batch, in g, workspace32);
        Convolution.Conv2dBackwardInput<float>(ToFloat(dy), ToFloat(w), dx32, c.Batch, in g, workspace32);
        Convolution.Conv2dBackwardWeight<float>(ToFloat(dy), ToFloat(x), dw32, c.Batch, in g, workspace32);
        Convolution.Conv2dBackwardBias<float>(ToFloat(dy), db32, c.Batch, in g);

        AssertClose(y, y32, 1e-5);
        AssertClose(dx, dx32, 1e-5);
        AssertClose(dw, dw32, 1e-5);
        AssertClose(db, db32, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_Float64_MatchFiniteDifferences(ConvCase c)
    {
        Conv2dGeometry g = c.ToGeometry();
        var rng = new Rng(4);
        Tensor x = GradCheck.Random(rng, -1, 1, c.Batch, c.InChannels, c.Height, c.Width);
        Tensor w = GradCheck.Random(rng, -1, 1, c.OutChannels, c.InChannels / c.Groups, c.Kernel, c.Kernel);
        Tensor? b = c.HasBias ? GradCheck.Random(rng, -1, 1, c.OutChannels) : null;
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        GradCheck.Assert(() => Ops.Conv2d(x, w, b, in g), inputs);
    }

    [Fact]
    public void Gradients_OnlyWeightRequiresGrad_LeavesInputGradNull()
    {
        var rng = new Rng(5);
        Tensor x = GradCheck.Random(rng, -1, 1, 2, 2, 5, 5);
        x.RequiresGrad = false;
        Tensor w = GradCheck.Random(rng, -1, 1, 3, 2, 3, 3);
        var g = new Conv2dGeometry(2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        GradCheck.Assert(() => Ops.Conv2d(x, w, null, in g), x, w);
        Ops.Sum(Ops.Conv2d(x, w, null, in g)).Backward();
        Assert.Null(x.Grad);
        Assert.NotNull(w.Grad);
    }

    [Fact]
    public void Layer_Float64_GradientsFlowToWeightAndBias()
    {
        var layer = new Conv2d(2, 4, 3, stride: 2, padding: 1, groups: 2);
        layer.Weight.CastInPlace(DType.Float64);
        layer.Bias!.CastInPlace(DType.Float64);
        Tensor x = GradCheck.Random(new Rng(6), -1, 1, 3, 2, 7, 5);
        GradCheck.Assert(() => layer.Forward(x), x, layer.Weight, layer.Bias);
        Assert.Equal(new[] { 3, 4, 4, 3 }, layer.Forward(x).Shape);
    }

    [Theory]
    [InlineData(1, 3, 3, 1, 1)] // im2col path
    [InlineData(1, 1, 1, 0, 1)] // pointwise: no im2col, no workspace
    [InlineData(3, 3, 3, 1, 3)] // depthwise
    public void Kernels_SecondCall_AllocateNothing(int batch, int kernel, int inChannels, int padding, int groups)
    {
        var g = new Conv2dGeometry(inChannels, 9, 7, 6, kernel, kernel, 1, 1, padding, padding, 1, 1, groups);
        var x = new float[batch * g.InputImageLength];
        var w = new float[g.WeightLength];
        var b = new float[g.OutChannels];
        var y = new float[batch * g.OutputImageLength];
        var workspace = new float[g.WorkspaceSize];
        var x64 = new double[x.Length];
        var w64 = new double[w.Length];
        var y64 = new double[y.Length];
        var workspace64 = new double[g.WorkspaceSize];
        void Run()
        {
            Convolution.Conv2dForward<float>(x, w, b, y, batch, in g, workspace);
            Convolution.Conv2dBackwardInput<float>(y, w, x, batch, in g, workspace);
            Convolution.Conv2dBackwardWeight<float>(y, x, w, batch, in g, workspace);
            Convolution.Conv2dBackwardBias<float>(y, b, batch, in g);
            Convolution.Conv2dForward<double>(x64, w64, default, y64, batch, in g, workspace64);
            Convolution.Conv2dBackwardInput<double>(y64, w64, x64, batch, in g, workspace64);
            Convolution.Conv2dBackwardWeight<double>(y64, x64, w64, batch, in g, workspace64);
        }
        Run();
        Assert.Equal(0, Allocations.SteadyState(() => Run()));
    }

    [Fact]
    public void Geometry_PyTorchFormula_GivesOutputAndWorkspaceSizes()
    {
        var g = new Conv2dGeometry(4, 7, 5, 6, 3, 3, 2, 2, 1, 1, 2, 2, 2);
        // (7 + 2 - 2·2 - 1) / 2 + 1 = 3, (5 + 2 - 4 - 1) / 2 + 1 = 2.
        Assert.Equal(3, g.OutHeight);
        Assert.Equal(2, g.OutWidth);
        Assert.Equal(2 * 3 * 3 * 3 * 2, g.WorkspaceSize);
        Assert.Equal(0, new Conv2dGeometry(4, 7, 5, 6, 1, 1, 1, 1, 0, 0, 1, 1, 1).WorkspaceSize);
    }

    [Fact]
    public void Geometry_InvalidSizes_ThrowNamingTheProblem()
    {
        var empty = Assert.Throws<ArgumentException>(() => new Conv2dGeometry(1, 3, 3, 1, 5, 5, 1, 1, 0, 0, 1, 1, 1));
        Assert.Contains("empty", empty.Message);
        Assert.Contains("3×3", empty.Message);
        var groups = Assert.Throws<ArgumentException>(() => new Conv2dGeometry(3, 8, 8, 4, 3, 3, 1, 1, 0, 0, 1, 1, 2));
        Assert.Contains("divisible by Groups (2)", groups.Message);
        var stride = Assert.Throws<ArgumentException>(() => new Conv2dGeometry(1, 8, 8, 1, 3, 3, 0, 1, 0, 0, 1, 1, 1));
        Assert.Contains("StrideHeight", stride.Message);
    }

    [Fact]
    public void Layer_Constructor_InitialisesWithinOneOverSqrtFanIn()
    {
        var layer = new Conv2d(8, 16, 3, groups: 2);
        Assert.Equal(new[] { 16, 4, 3, 3 }, layer.Weight.Shape);
        Assert.Equal(new[] { 16 }, layer.Bias!.Shape);
        float bound = 1f / MathF.Sqrt(4 * 3 * 3);
        float[] weights = layer.Weight.ToArray();
        Assert.All(weights, v => Assert.InRange(v, -bound, bound));
        Assert.All(layer.Bias.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.True(weights.Max() > 0.9f * bound && weights.Min() < -0.9f * bound);
        Assert.Equal(["weight", "bias"], layer.NamedParameters().Select(p => p.Name));
        Assert.Null(new Conv2d(1, 1, 1, bias: false).Bias);
    }

    [Fact]
    public void Layer_ResetParameters_SameSeedSameValues()
    {
        var a = new Conv2d(3, 4, 3);
        var b = new Conv2d(3, 4, 3);
        a.ResetParameters(new Rng(42));
        b.ResetParameters(new Rng(42));
        Assert.Equal(a.Weight.ToArray(), b.Weight.ToArray());
        Assert.Equal(a.Bias!.ToArray(), b.Bias!.ToArray());
        b.ResetParameters(new Rng(43));
        Assert.NotEqual(a.Weight.ToArray(), b.Weight.ToArray());
    }

    [Fact]
    public void Layer_Properties_KeepConstructorArguments()
    {
        var layer = new Conv2d(4, 8, 5, stride: 2, padding: 2, dilation: 3, groups: 4, bias: false);
        Assert.Equal((4, 8, 5, 2, 2, 3, 4), (layer.InChannels, layer.OutChannels, layer.KernelSize, layer.Stride,
            layer.Padding, layer.Dilation, layer.Groups));
    }

    [Theory]
    [InlineData(0, 4, 3, 1, 0, 1, 1)]
    [InlineData(3, 0, 3, 1, 0, 1, 1)]
    [InlineData(3, 4, 0, 1, 0, 1, 1)]
    [InlineData(3, 4, 3, 0, 0, 1, 1)]
    [InlineData(3, 4, 3, 1, -1, 1, 1)]
    [InlineData(3, 4, 3, 1, 0, 0, 1)]
    [InlineData(3, 4, 3, 1, 0, 1, 0)]
    [InlineData(3, 4, 3, 1, 0, 1, 2)]
    public void Layer_InvalidArguments_ThrowOutOfRange(int inC, int outC, int kernel, int stride, int padding, int dilation, int groups)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2d(inC, outC, kernel, stride, padding, dilation, groups));
    }

    [Fact]
    public void Layer_Forward_WrongInput_ThrowsNamingExpectedAndActual()
    {
        var layer = new Conv2d(3, 4, 3);
        var channels = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(2, 5, 8, 8)));
        Assert.Contains("[N, 3, H, W]", channels.Message);
        Assert.Contains("[2, 5, 8, 8]", channels.Message);
        var rank = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(3, 8, 8)));
        Assert.Contains("[3, 8, 8]", rank.Message);
        Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(1, 3, 2, 2)));
    }

    /// <summary>The definition: y[n, o, i, j] = b[o] + Σ_{c in o's group, p, q} x[n, c, i·s − pad + p·d, j·s − pad + q·d] · w[o, c', p, q].</summary>
    private static double[] DirectConvolution(double[] x, double[] w, double[] b, int batch, Conv2dGeometry g)
    {
        var y = new double[batch * g.OutputImageLength];
        int cg = g.InChannelsPerGroup, og = g.OutChannelsPerGroup;
        for (int n = 0; n < batch; n++)
        for (int o = 0; o < g.OutChannels; o++)
        for (int i = 0; i < g.OutHeight; i++)
        for (int j = 0; j < g.OutWidth; j++)
        {
            double sum = b.Length > 0 ? b[o] : 0;
            for (int cl = 0; cl < cg; cl++)
            for (int p = 0; p < g.KernelHeight; p++)
            for (int q = 0; q < g.KernelWidth; q++)
            {
                int c = o / og * cg + cl;
                int h = i * g.StrideHeight - g.PaddingHeight + p * g.DilationHeight;
                int v = j * g.StrideWidth - g.PaddingWidth + q * g.DilationWidth;
                if (h < 0 || h >= g.InHeight || v < 0 || v >= g.InWidth) continue;
                sum += x[((n * g.InChannels + c) * g.InHeight + h) * g.InWidth + v]
                    * w[((o * cg + cl) * g.KernelHeight + p) * g.KernelWidth + q];
            }
            y[((n * g.OutChannels + o) * g.OutHeight + i) * g.OutWidth + j] = sum;
        }
        return y;
    }

    private static (double[] X, double[] W, double[] B) RandomOperands(ConvCase c, int seed)
    {
        var rng = new Rng(seed);
        Conv2dGeometry g = c.ToGeometry();
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
