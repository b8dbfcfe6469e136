using ModelGen.Kernels;
using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// Adam and AdamW on a large float32 parameter share its elements with the GEMM worker: the parameters after three
/// steps (which the moments feed) must equal the one-thread result bit for bit, and a warm step must allocate nothing. In the threading
/// collection because it changes process-wide settings.
/// </summary>
[Collection(GemmThreadingCollection.Name)]
public class AdamThreadingTests
{
    [Theory]
    [InlineData(false, 0.0, false)]
    [InlineData(false, 0.01, false)]
    [InlineData(true, 0.01, false)]
    [InlineData(false, 0.01, true)]
    [InlineData(true, 0.01, true)]
    public void Step_TwoThreads_BitIdenticalToOneThread(bool decoupled, double weightDecay, bool amsgrad)
    {
        int savedThreads = Gemm.MaxThreads;
        int savedMin = AdamThreading.MinParallelElements;
        try
        {
            AdamThreading.MinParallelElements = 64;
            using var taking = WorkerTaking.EveryJob(); // a loaded machine may wake the worker late
            long jobsBefore = Gemm.WorkerJobs;
            Gemm.MaxThreads = 1;
            float[][] one = Train(decoupled, weightDecay, amsgrad);
            Gemm.MaxThreads = 2;
            float[][] two = Train(decoupled, weightDecay, amsgrad);
            for (int t = 0; t < one.Length; t++)
                Assert.True(one[t].AsSpan().SequenceEqual(two[t]), $"tensor {t} differs");
            Assert.True(Gemm.WorkerJobs > jobsBefore, "the worker never ran");
        }
        finally
        {
            Gemm.MaxThreads = savedThreads;
            AdamThreading.MinParallelElements = savedMin;
        }
    }

    [Fact]
    public void Step_TwoThreadsWarm_AllocatesNothing()
    {
        int savedThreads = Gemm.MaxThreads;
        try
        {
            Gemm.MaxThreads = 2;
            var parameter = new Parameter("w", Tensor.FromArray(Values(256 * 784, 1), 256, 784));
            Values(256 * 784, 2).CopyTo(parameter.Grad.AsSpan());
            var adam = new Adam([parameter], lr: 1e-3f);
            adam.Step();
            Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 5; i++) adam.Step(); }));
        }
        finally
        {
            Gemm.MaxThreads = savedThreads;
        }
    }

    /// <summary>Three steps on parameters of odd lengths (a tail after the last whole vector); returns the weights.</summary>
    private static float[][] Train(bool decoupled, double weightDecay, bool amsgrad)
    {
        var parameters = new[] { new Parameter("a", Tensor.FromArray(Values(1001, 3), 7, 143)), new Parameter("b", Tensor.FromArray(Values(67, 4), 67)) };
        IOptimizer optimizer = decoupled
            ? new AdamW(parameters, lr: 1e-2f, weightDecay: (float)weightDecay, amsgrad: amsgrad)
            : new Adam(parameters, lr: 1e-2f, weightDecay: (float)weightDecay, amsgrad: amsgrad);
        for (int step = 0; step < 3; step++)
        {
            foreach (Parameter p in parameters) Values(p.Value.Length, 10 + step).CopyTo(p.Grad.AsSpan());
            optimizer.Step();
        }
        return parameters.Select(p => p.Value.ToArray()).ToArray();
    }

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
