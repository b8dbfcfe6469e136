using ModelGen.Kernels;
using ModelGen.Quantization;
using ModelGen.Tests.Kernels;
using Xunit;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// Both Int8Conv2d kernels (pixels as GEMM rows over a channels-last gather; channels as rows over quad planes for
/// narrow stride-1 convolutions) bit for bit against a plain oracle that computes every output from the layer's
/// own codes with the epilogue's operations in the same order: integer sums are exact, so any difference is a bug
/// in the gather, the planes, the quads or the tiling, not rounding.
/// </summary>
public class Int8Conv2dKernelTests
{
    // (inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, dilation, relu)
    public static TheoryData<int, int, int, int, int, int, int, int, int, bool> Geometries() => new()
    {
        { 1, 28, 28, 6, 5, 5, 1, 2, 1, true },    // LeNet conv1: narrow, 4 + 1 columns, two vertical groups
        { 6, 14, 14, 16, 5, 5, 1, 0, 1, true },   // LeNet conv2: wide, 30-byte kernel rows
        { 3, 9, 11, 7, 3, 3, 1, 1, 1, false },    // narrow, 7 channels (two tiles), kernel only vertical groups
        { 2, 10, 6, 13, 4, 8, 1, 3, 1, true },    // narrow, kernel width a multiple of 4 (no vertical groups), padding > kernel/2
        { 1, 7, 7, 1, 1, 1, 1, 0, 1, false },     // narrow, pointwise single channel
        { 2, 12, 9, 5, 9, 6, 1, 4, 1, true },     // narrow, kernel height 9: three vertical groups, the last with 1 row
        { 3, 11, 9, 17, 3, 3, 2, 1, 1, true },    // wide: stride 2, padding
        { 5, 13, 10, 7, 3, 2, 1, 2, 2, false },   // wide (dilation): narrow-sized but dilated, padding past the reach
        { 4, 7, 7, 33, 1, 1, 1, 0, 1, true },     // wide, pointwise, three panels
        { 2, 9, 12, 3, 4, 3, 3, 0, 1, false },    // wide (stride 3) with 3 channels, last rows and columns dropped
        { 12, 6, 5, 16, 3, 3, 1, 1, 1, false },   // wide, 36-byte kernel rows: two vector moves per row
    };

    internal sealed record Case(Conv2dGeometry Geometry, int Batch, float[] X, float[] Weight, float[] Bias, Activation Activation);

    internal static Case Make(int inC, int h, int w, int outC, int kh, int kw, int stride, int padding, int dilation, bool relu, int batch, int seed,
        int? dilationWidth = null)
    {
        var g = new Conv2dGeometry(inC, h, w, outC, kh, kw, stride, stride, padding, padding, dilation, dilationWidth ?? dilation, 1);
        var random = new Random(seed);
        float Uniform(double low, double high) => (float)(low + random.NextDouble() * (high - low));
        float bound = 1f / MathF.Sqrt(g.ColumnRows);
        float[] weight = Enumerable.Range(0, g.WeightLength).Select(_ => Uniform(-bound, bound)).ToArray();
        float[] bias = Enumerable.Range(0, outC).Select(_ => Uniform(-0.5, 0.5)).ToArray();
        // Negative inputs give a nonzero zero point, so padding taps must hold it, not 0.
        float[] x = Enumerable.Range(0, batch * g.InputImageLength).Select(_ => Uniform(-1, 2)).ToArray();
        return new Case(g, batch, x, weight, bias, relu ? Activation.Relu : Activation.None);
    }

    internal static Int8Conv2d Calibrated(Case c, Pool2dGeometry? maxPool = null)
    {
        Int8Conv2d layer = Int8Conv2d.FromFloat("conv", c.Geometry, c.Weight, c.Bias, c.Activation, maxPool);
        layer.BeginCalibration(Calibration.MinMax);
        Assert.False(layer.TryForward(c.Batch, c.X, new float[c.Batch * layer.OutputImageLength]));
        layer.EndCalibration(Calibration.MinMax);
        return layer;
    }

    internal static float[] Run(Int8Conv2d layer, Case c, Int8Path path)
    {
        var y = new float[c.Batch * layer.OutputImageLength];
        Array.Fill(y, float.NaN); // anything not written stays NaN and fails the comparison
        Int8Path saved = GemmInt8.ForcedPath;
        GemmInt8.ForcedPath = path;
        try { Assert.True(layer.TryForward(c.Batch, c.X, y)); }
        finally { GemmInt8.ForcedPath = saved; }
        return y;
    }

    /// <summary>Every output from the layer's codes: (float)(Σ q·w − zeroPoint·Σ w) · (scale · wscale) + bias, then ReLU.</summary>
    internal static float[] Oracle(Int8Conv2d layer, Case c)
    {
        Conv2dGeometry g = c.Geometry;
        float inverse = 1f / layer.ActivationScale;
        int zeroPoint = layer.ZeroPoint;
        ReadOnlySpan<sbyte> codes = layer.Weights;
        var y = new float[c.Batch * g.OutputImageLength];
        for (int n = 0; n < c.Batch; n++)
        for (int o = 0; o < g.OutChannels; o++)
        {
            int columnSum = 0;
            for (int t = 0; t < g.ColumnRows; t++) columnSum += codes[o * g.ColumnRows + t];
            float scale = layer.ActivationScale * layer.WeightScales[o];
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int sum = 0;
                for (int ci = 0; ci < g.InChannels; ci++)
                for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int iy = oy * g.StrideHeight - g.PaddingHeight + ky * g.DilationHeight;
                    int ix = ox * g.StrideWidth - g.PaddingWidth + kx * g.DilationWidth;
                    int q = zeroPoint;
                    if (iy >= 0 && iy < g.InHeight && ix >= 0 && ix < g.InWidth)
                        q = (int)Math.Clamp(MathF.Round(c.X[((n * g.InChannels + ci) * g.InHeight + iy) * g.InWidth + ix] * inverse) + zeroPoint, 0f, 127f);
                    sum += q * codes[o * g.ColumnRows + (ci * g.KernelHeight + ky) * g.KernelWidth + kx];
                }
                float value = (float)(sum - zeroPoint * columnSum) * scale + layer.Bias[o];
                if (c.Activation == Activation.Relu) value = value > 0f ? value : 0f;
                y[((n * g.OutChannels + o) * g.OutHeight + oy) * g.OutWidth + ox] = value;
            }
        }
        return y;
    }

    internal static void AssertBitIdentical(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}: output {i} is {actual[i]}, expected {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void TryForward_EveryPath_BitIdenticalToOracle(int inC, int h, int w, int outC, int kh, int kw, int stride, int padding, int dilation, bool relu)
        => AssertEveryPathMatchesOracle(Make(inC, h, w, outC, kh, kw, stride, padding, dilation, relu, batch: 3, seed: 21));

    /// <summary>Dilated vertically only: the kernel rows are still contiguous, read in place two plane rows apart.</summary>
    [Fact]
    public void TryForward_VerticalDilationOnly_ReadsInPlaceBitIdenticalToOracle()
    {
        Case c = Make(6, 13, 9, 16, 3, 3, 1, 1, dilation: 2, true, batch: 2, seed: 23, dilationWidth: 1);
        Assert.True(Int8Conv2d.ReadsInPlace(c.Geometry));
        AssertEveryPathMatchesOracle(c);
    }

    private static void AssertEveryPathMatchesOracle(Case c)
    {
        Int8Conv2d layer = Calibrated(c);
        Assert.True(layer.ZeroPoint > 0, "the inputs should straddle 0 so that padding is a nonzero code");
        float[] expected = Oracle(layer, c);
        foreach (Int8Path path in new[] { Int8Path.Auto, Int8Path.Scalar, Int8Path.Avx2, Int8Path.Avx512 })
        {
            if (!GemmInt8.IsSupported(path)) continue;
            AssertBitIdentical(expected, Run(layer, c, path), $"{path}");
        }
    }

    /// <summary>
    /// With a 2×2 max pooling fused, every path writes bit for bit what the unfused layer followed by the float
    /// max pooling writes: the maximum commutes with the (non-decreasing) dequantisation and ReLU.
    /// </summary>
    [Theory]
    [MemberData(nameof(Geometries))]
    public void TryForward_MaxPoolFused_BitIdenticalToConvolutionThenPooling(int inC, int h, int w, int outC, int kh, int kw, int stride, int padding, int dilation, bool relu)
    {
        Case c = Make(inC, h, w, outC, kh, kw, stride, padding, dilation, relu, batch: 3, seed: 22);
        Conv2dGeometry g = c.Geometry;
        if (g.OutHeight < 2 || g.OutWidth < 2) return; // nothing to pool
        var pool = new Pool2dGeometry(outC, g.OutHeight, g.OutWidth, 2, 2, 2, 2, 0, 0);
        Int8Conv2d plain = Calibrated(c), fused = Calibrated(c, pool);
        Assert.Equal(pool.OutputImageLength, fused.OutputImageLength);
        foreach (Int8Path path in new[] { Int8Path.Auto, Int8Path.Scalar, Int8Path.Avx2, Int8Path.Avx512 })
        {
            if (!GemmInt8.IsSupported(path)) continue;
            var expected = new float[c.Batch * pool.OutputImageLength];
            Pooling.MaxPool2dForward<float>(Run(plain, c, path), expected, c.Batch, pool);
            AssertBitIdentical(expected, Run(fused, c, path), $"{path}, pooled");
        }
    }

    [Fact]
    public void Constructor_PoolingThatDoesNotFuse_Throws()
    {
        Case c = Make(6, 14, 14, 16, 5, 5, 1, 0, 1, true, batch: 1, seed: 2);
        Assert.Throws<ArgumentException>(() => Int8Conv2d.FromFloat("conv", c.Geometry, c.Weight, c.Bias, c.Activation,
            new Pool2dGeometry(16, 10, 10, 3, 3, 2, 2, 0, 0)));   // 3×3 window
        Assert.Throws<ArgumentException>(() => Int8Conv2d.FromFloat("conv", c.Geometry, c.Weight, c.Bias, c.Activation,
            new Pool2dGeometry(16, 12, 12, 2, 2, 2, 2, 0, 0)));   // not this convolution's output
    }

    [Theory]
    [InlineData(1, 28, 28, 6, 5, 5, 1, 2, 1, true)]    // conv1
    [InlineData(3, 9, 11, 7, 3, 3, 1, 1, 1, false)]
    [InlineData(2, 9, 12, 3, 4, 3, 3, 0, 1, false)]
    public void RunsNarrow_FewChannelsStrideOneDilationOne_OnlyThen(int inC, int h, int w, int outC, int kh, int kw, int stride, int padding, int dilation, bool relu)
    {
        Case c = Make(inC, h, w, outC, kh, kw, stride, padding, dilation, relu, batch: 1, seed: 1);
        Assert.Equal(stride == 1 && dilation == 1 && outC < 16, Int8Conv2d.FromFloat("conv", c.Geometry, c.Weight, c.Bias, c.Activation).IsNarrow);
    }

    [Fact]
    public void TryForward_EmptyBatch_WritesNothing()
    {
        Case c = Make(1, 28, 28, 6, 5, 5, 1, 2, 1, true, batch: 2, seed: 3);
        Int8Conv2d layer = Calibrated(c);
        Assert.True(layer.TryForward(0, ReadOnlySpan<float>.Empty, Span<float>.Empty));
    }
}

/// <summary>
/// Int8Conv2d shares its batch with the GEMM worker when Gemm.MaxThreads ≥ 2: every image is computed by one
/// thread with the same operations, so two threads must equal one bit for bit; a warm call allocates nothing.
/// Runs in the threading collection because it changes process-wide settings.
/// </summary>
[Collection(GemmThreadingCollection.Name)]
public class Int8Conv2dThreadingTests
{
    [Fact]
    public void TryForward_TwoThreads_BitIdenticalToOneThread()
    {
        long savedWork = Int8Conv2d.MinParallelWork;
        int savedThreads = Gemm.MaxThreads;
        try
        {
            Int8Conv2d.MinParallelWork = 0;
            foreach (var c in new[]
            {
                Int8Conv2dKernelTests.Make(1, 28, 28, 6, 5, 5, 1, 2, 1, true, batch: 9, seed: 5),    // narrow, more images than chunks
                Int8Conv2dKernelTests.Make(6, 14, 14, 16, 5, 5, 1, 0, 1, true, batch: 5, seed: 6),   // wide
                Int8Conv2dKernelTests.Make(3, 11, 9, 17, 3, 3, 2, 1, 1, false, batch: 2, seed: 7),   // wide, stride 2, two images
            })
            foreach (bool pooled in new[] { false, true })
            {
                Conv2dGeometry g = c.Geometry;
                Int8Conv2d layer = Int8Conv2dKernelTests.Calibrated(c, pooled ? new Pool2dGeometry(g.OutChannels, g.OutHeight, g.OutWidth, 2, 2, 2, 2, 0, 0) : null);
                Gemm.MaxThreads = 1;
                float[] one = Int8Conv2dKernelTests.Run(layer, c, Int8Path.Auto);
                if (!pooled) Int8Conv2dKernelTests.AssertBitIdentical(Int8Conv2dKernelTests.Oracle(layer, c), one, "oracle");
                Gemm.MaxThreads = 2;
                using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
                long jobs = Gemm.WorkerJobs;
                Int8Conv2dKernelTests.AssertBitIdentical(one, Int8Conv2dKernelTests.Run(layer, c, Int8Path.Auto), $"two threads, {g}, pooled {pooled}");
                Assert.True(Gemm.WorkerJobs > jobs, $"the worker never ran a chunk of {g}");
            }
        }
        finally
        {
            Int8Conv2d.MinParallelWork = savedWork;
            Gemm.MaxThreads = savedThreads;
        }
    }

    [Fact]
    public void TryForward_TwoThreadsWarm_AllocatesNothing()
    {
        int savedThreads = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 2;
            foreach (var c in new[]
            {
                Int8Conv2dKernelTests.Make(1, 28, 28, 6, 5, 5, 1, 2, 1, true, 64, seed: 7),
                Int8Conv2dKernelTests.Make(6, 14, 14, 16, 5, 5, 1, 0, 1, true, 64, seed: 8),
            })
            {
                Int8Conv2d layer = Int8Conv2dKernelTests.Calibrated(c);
                var y = new float[c.Batch * c.Geometry.OutputImageLength];
                layer.TryForward(c.Batch, c.X, y);
                Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 5; i++) layer.TryForward(c.Batch, c.X, y); }));
            }
        }
        finally
        {
            Gemm.MaxThreads = savedThreads;
        }
    }
}
