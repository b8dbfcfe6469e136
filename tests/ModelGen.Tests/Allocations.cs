namespace ModelGen.Tests;

/// <summary>Measures what the calling thread allocates once code is warm.</summary>
public static class Allocations
{
    /// <summary>
    /// The fewest bytes the current thread allocated in any of a few runs of <paramref name="work"/>. An allocation
    /// the code makes on every call shows in every run, so it still fails a test that expects zero; a one-time cost
    /// of the runtime that can land in any run (tiered JIT promoting a hot method, a thread's first block on a
    /// monitor) shows in at most one and is not the code's.
    /// </summary>
    public static long SteadyState(Action work, int runs = 4)
    {
        long fewest = long.MaxValue;
        for (int i = 0; i < runs && fewest != 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
