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
                var c = GemmInt8Tests.Make(random, m, n, k, extreme: false);
                foreach (bool relu in new[] { false, true })
                {
                    Gemm.MaxThreads = 1;
                    float[] one = Run(c, relu);
                    Gemm.MaxThreads = 2;
                    float[] two = Run(c, relu);
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
            var c = GemmInt8Tests.Make(new Random(3), 64, 256, 784, extreme: false);
            var output = new float[64 * 256];
            Run(c, false, output);
            Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 20; i++) Run(c, false, output); }));
        }
        finally
        {
            Gemm.MaxThreads = savedThreads;
        }
    }

    /// <summary>C of <paramref name="c"/> on the path this machine picks, into a fresh NaN-filled array.</summary>
    private static float[] Run(GemmInt8Tests.Case c, bool relu)
    {
        var output = new float[c.M * c.N];
        Array.Fill(output, float.NaN); // anything not written stays NaN and fails the comparison
        Run(c, relu, output);
        return output;
    }

    private static void Run(GemmInt8Tests.Case c, bool relu, float[] output)
        => GemmInt8.Multiply(c.M, c.N, c.K, c.A, c.Packed, c.Offset, c.Scale, c.Bias, relu, output, c.N);
}
