using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// GemmInt8.Multiply: the scalar path against a plain 64-bit integer oracle, and every vector path this machine
/// supports against the scalar path bit for bit (the sums are exact integers and the epilogue is the same
/// float arithmetic, so any difference is a bug). Includes extreme codes, which would saturate vpmaddubsw with
/// 8-bit activations.
/// </summary>
public class GemmInt8Tests
{
    public static TheoryData<string> SupportedVectorPaths()
    {
        var data = new TheoryData<string>();
        foreach (Int8Path path in new[] { Int8Path.Avx2, Int8Path.Avx512 })
            if (GemmInt8.IsSupported(path)) data.Add(path.ToString());
        return data;
    }

    // Around the tiles (4 and 8 rows, 16-column panels) and the depth group (4): edges in every direction.
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 16, 4), (3, 7, 5), (4, 16, 8), (5, 17, 33), (8, 32, 64), (9, 10, 128), (13, 40, 3), (64, 256, 784), (17, 33, 257),
    ];

    internal sealed record Case(int M, int N, int K, byte[] A, sbyte[] W, sbyte[] Packed, int[] Offset, float[] Scale, float[] Bias);

    internal static Case Make(Random random, int m, int n, int k, bool extreme)
    {
        int kp = GemmInt8.PaddedDepth(k), columns = GemmInt8.PaddedColumns(n);
        var a = new byte[m * kp];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) a[i * kp + p] = (byte)(extreme ? 127 : random.Next(0, 128));
        var w = new sbyte[n * k];
        for (int i = 0; i < w.Length; i++) w[i] = (sbyte)(extreme ? (i % 3 == 0 ? -127 : 127) : random.Next(-127, 128));
        var packed = new sbyte[GemmInt8.PackedLength(n, k)];
        GemmInt8.PackWeights(w, n, k, packed);
        var offset = new int[columns];
        var scale = new float[columns];
        var bias = new float[columns];
        for (int j = 0; j < n; j++)
        {
            offset[j] = random.Next(-100_000, 100_000);
            scale[j] = (float)(random.NextDouble() * 1e-3);
            bias[j] = (float)(random.NextDouble() * 2 - 1);
        }
        return new Case(m, n, k, a, w, packed, offset, scale, bias);
    }

    private static float[] Run(Case c, bool relu, Int8Path path, int ldc)
    {
        var output = new float[(c.M - 1) * ldc + c.N];
        Array.Fill(output, float.NaN); // anything not written stays NaN and fails the comparison
        Int8Path saved = GemmInt8.ForcedPath;
        GemmInt8.ForcedPath = path;
        try { GemmInt8.Multiply(c.M, c.N, c.K, c.A, c.Packed, c.Offset, c.Scale, c.Bias, relu, output, ldc); }
        finally { GemmInt8.ForcedPath = saved; }
        return output;
    }

    [Fact]
    public void Scalar_RandomAndExtremeCodes_MatchesIntegerOracle()
    {
        var random = new Random(7);
        foreach (bool extreme in new[] { false, true })
            foreach (var (m, n, k) in Shapes)
            {
                Case c = Make(random, m, n, k, extreme);
                float[] actual = Run(c, relu: false, Int8Path.Scalar, n);
                int kp = GemmInt8.PaddedDepth(k);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        long sum = 0;
                        for (int p = 0; p < k; p++) sum += c.A[i * kp + p] * (long)c.W[j * k + p];
                        float expected = (float)(int)(sum - c.Offset[j]) * c.Scale[j] + c.Bias[j];
                        Assert.Equal(expected, actual[i * n + j]);
                    }
            }
    }

    [Theory]
    [MemberData(nameof(SupportedVectorPaths))]
    public void VectorPath_EveryShapeAndEpilogue_BitIdenticalToScalar(string path)
    {
        var random = new Random(11);
        foreach (bool extreme in new[] { false, true })
            foreach (var (m, n, k) in Shapes)
                foreach (bool relu in new[] { false, true })
                {
                    Case c = Make(random, m, n, k, extreme);
                    int ldc = n + 3; // a leading dimension wider than n: columns past n must stay untouched
                    float[] expected = Run(c, relu, Int8Path.Scalar, ldc), actual = Run(c, relu, Enum.Parse<Int8Path>(path), ldc);
                    for (int i = 0; i < expected.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                            $"{path} {m}x{n}x{k} relu={relu} extreme={extreme}: element {i} is {actual[i]}, scalar {expected[i]}");
                }
    }

    [Fact]
    public void QuantizeActivations_VectorAndScalarTails_RoundHalfToEvenAndClamp()
    {
        const int m = 3, k = 45; // 32 vector elements and 13 scalar ones per row, padded to 48
        var x = new float[m * k];
        var random = new Random(3);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 6 - 2);
        x[0] = 0.25f; x[40] = 0.25f; // exactly half a step (scale 0.5): rounds to even, 0
        x[1] = 0.75f; x[41] = 0.75f; // 1.5 steps: rounds to 2
        var q = new byte[m * GemmInt8.PaddedDepth(k)];
        Array.Fill(q, (byte)255);
        GemmInt8.QuantizeActivations(x, m, k, inverseScale: 2f, zeroPoint: 10, q);
        int kp = GemmInt8.PaddedDepth(k);
        for (int i = 0; i < m; i++)
        {
            for (int p = 0; p < k; p++)
            {
                float expected = Math.Clamp(MathF.Round(x[i * k + p] * 2f) + 10, 0, 127);
                Assert.Equal((byte)expected, q[i * kp + p]);
            }
            for (int p = k; p < kp; p++) Assert.Equal(0, q[i * kp + p]);
        }
        Assert.Equal(10, q[0]);
        Assert.Equal(12, q[1]);
        Assert.Equal(10, q[40]);
        Assert.Equal(12, q[41]);
    }

    /// <summary>
    /// MultiplyRows reads each row in place as segments scattered through a buffer: bit for bit the plain Multiply of
    /// the same rows copied out contiguously, on every path (AVX-512 runs its AVX2 tiles), with rows that overlap
    /// and start in any order, as a convolution's output pixels do.
    /// </summary>
    [Theory]
    [InlineData(13, 16, 3, 12, 40)]   // 4-row tiles and a tail, one panel
    [InlineData(9, 33, 5, 32, 7)]     // three panels, segments closer than their length (overlapping)
    [InlineData(1, 5, 1, 4, 0)]       // one row, one segment
    public unsafe void MultiplyRows_SegmentsReadInPlace_BitIdenticalToContiguousRows(int m, int n, int segments, int segmentBytes, int segmentStride)
    {
        var random = new Random(m * 31 + n);
        int k = segments * segmentBytes;
        var source = new byte[m * 7 + segments * (segmentStride + segmentBytes) + 64];
        for (int i = 0; i < source.Length; i++) source[i] = (byte)random.Next(0, 128);
        int[] rowOffsets = Enumerable.Range(0, m).Select(_ => random.Next(0, m * 7)).ToArray();
        Case c = Make(random, m, n, k, extreme: false);
        for (int i = 0; i < m; i++)
            for (int s = 0; s < segments; s++)
                Array.Copy(source, rowOffsets[i] + s * segmentStride, c.A, i * k + s * segmentBytes, segmentBytes);
        foreach (Int8Path path in new[] { Int8Path.Scalar, Int8Path.Avx2, Int8Path.Avx512 })
        {
            if (!GemmInt8.IsSupported(path)) continue;
            float[] expected = Run(c, relu: true, path, n);
            var actual = new float[m * n];
            Int8Path saved = GemmInt8.ForcedPath;
            GemmInt8.ForcedPath = path;
            try
            {
                fixed (byte* a = source)
                fixed (int* rows = rowOffsets, offset = c.Offset)
                fixed (sbyte* packed = c.Packed)
                fixed (float* scale = c.Scale, bias = c.Bias, output = actual)
                    GemmInt8.MultiplyRows(m, n, segments, segmentBytes, segmentStride, a, rows, packed, offset, scale, bias, true, output, n);
            }
            finally { GemmInt8.ForcedPath = saved; }
            for (int i = 0; i < expected.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"{path}: output {i} is {actual[i]}, expected {expected[i]}");
        }
    }
}
