using ModelGen.Kernels;

namespace ModelGen.Tests.Kernels;

/// <summary>
/// For tests that assert the GEMM worker ran a job: while the scope is open, every caller waits until the worker has
/// taken its job, so a loaded machine (where the caller can finish every chunk before the worker wakes) cannot make
/// the assertion fail. Results do not depend on it: chunks are claimed from one counter either way.
/// </summary>
internal sealed class WorkerTaking : IDisposable
{
    private WorkerTaking() => Gemm.AwaitWorkerForTesting = true;

    public static WorkerTaking EveryJob() => new();

    public void Dispose() => Gemm.AwaitWorkerForTesting = false;
}
