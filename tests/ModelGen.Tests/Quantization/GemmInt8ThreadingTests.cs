using ModelGen.Kernels;
using ModelGen.Tests.Kernels;
using Xunit;

namespace ModelGen.Tests.Quantization;

/// <summary>
/// GemmInt8.Multiply shares rows of C with the GEMM worker when Gemm.MaxThreads ≥ 2: the result must equal the
/// one-thread result bit for bit, and a warm call must allocate nothing. Runs in the threading collection because
/// it changes process-wide settings.
/// </summary>
[Collection(GemmThreadingCollection.Name)]
public class GemmInt8ThreadingTests
{
    [Fact]
    public void Multiply_TwoThreads_BitIdenticalToOneThread()
    {
        var random = new Random(11);
        long savedWork = GemmInt8.MinParallelWork;
        int savedThreads = Gemm.MaxThreads;
        using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
        long jobsBefore = Gemm.WorkerJobs;
        try
        {
            GemmInt8.MinParallelWork = 0;
            foreach (var (m, n, k) in new[] { (8, 1, 1), (9, 17, 33), (13, 40, 5), (31, 7, 64), (64, 256, 784), (65, 130, 257) })
            {
                var c = Operands.Make(random, m, n, k);
                foreach (bool relu in new[] { false, true })
                {
                    Gemm.MaxThreads = 1;
                    float[] one = c.Run(relu);
                    Gemm.MaxThreads = 2;
                    float[] two = c.Run(relu);
                    for (int i = 0; i < one.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(one[i]) == BitConverter.SingleToInt32Bits(two[i]),
                            $"{m}x{n}x{k} relu={relu}: C[{i}] differs ({one[i]} vs {two[i]})");
                }
            }
        }
        finally
        {
            GemmInt8.MinParallelWork = savedWork;
            Gemm.MaxThreads = savedThreads;
        }
        Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran");
    }

    [Fact]
    public void Multiply_TwoThreadsWarm_AllocatesNothing()
    {
        int savedThreads = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 2;
            var c = Operands.Make(new Random(3), 64, 256, 784);
            var output = new float[64 * 256];
            c.Run(false, output);
            Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 20; i++) c.Run(false, output); }));
        }
        finally
        {
            Gemm.MaxThreads = savedThreads;
        }
    }

    private sealed record Operands(int M, int N, int K, byte[] A, sbyte[] Packed, int[] Offset, float[] Scale, float[] Bias)
    {
        public static Operands Make(Random random, int m, int n, int k)
        {
            int kp = GemmInt8.PaddedDepth(k), columns = GemmInt8.PaddedColumns(n);
            var a = new byte[m * kp];
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++) a[i * kp + p] = (byte)random.Next(0, 128);
            var w = new sbyte[n * k];
            for (int i = 0; i < w.Length; i++) w[i] = (sbyte)random.Next(-127, 128);
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
            return new Operands(m, n, k, a, packed, offset, scale, bias);
        }

        public float[] Run(bool relu)
        {
            var output = new float[M * N];
            Array.Fill(output, float.NaN); // anything not written stays NaN and fails the comparison
            Run(relu, output);
            return output;
        }

        public void Run(bool relu, float[] output)
            => GemmInt8.Multiply(M, N, K, A, Packed, Offset, Scale, Bias, relu, output, N);
    }
}
