using System.Runtime.ExceptionServices;

namespace ModelGen.Kernels;

// Two-thread GEMM, the way OpenBLAS and BLIS do it on a small machine: one persistent worker, woken per call. C is
// cut into a few chunks (ranges of columns, or of rows when n is narrow); the caller and the worker claim them from
// one counter and run each as a sub-problem with their own packing buffers. Every element of C is computed by
// exactly one thread with the same depth blocking (it depends on k alone), so the result is bit-identical to the
// serial path.
public static partial class Gemm
{
    // Two threads where the machine has two cores. Two quiet side-by-side runs (benchmarks/results.md) measured,
    // against one thread: MLP training at batch 256 3.9 -> 2.6 ms, LeNet-5 training at batch 64 10.3 -> 7.2 ms,
    // MLP inference at batch 64 0.40 -> 0.29 ms; the small shapes stay on one thread by the work thresholds.
    private static int s_maxThreads = Math.Min(2, Environment.ProcessorCount);

    /// <summary>
    /// The most threads one <see cref="Multiply"/> or float32 convolution kernel uses: 1 runs every call on the
    /// calling thread; 2 or more lets a large multiply hand part of C, and a large convolution part of its batch, to
    /// one persistent background thread (there is only one, so values above 2 act as 2). Results are bit-identical
    /// either way. Defaults to 2 on a machine with two or more cores (else 1); set it to 1 to keep every
    /// kernel on the calling thread. Process-wide.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref s_maxThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref s_maxThreads, value);
        }
    }

    /// <summary>
    /// The smallest m·n·k worth a second thread: 2^22 multiply-adds, about 50-100 µs of serial work on a 2-core AVX2
    /// machine (above every LeNet-5 layer, below the MLP's 64×784×256). Below it, waking the worker and repacking
    /// per chunk cannot win enough to risk losing when the second core is busy with other work.
    /// Tests lower it to push small shapes through the split.
    /// </summary>
    internal static long MinParallelWork = DefaultMinParallelWork;

    internal const long DefaultMinParallelWork = 1L << 22;

    /// <summary>Jobs the worker has taken (and finished) since the process started: tests read it.</summary>
    internal static long WorkerJobs => Volatile.Read(ref Worker.Jobs);

    /// <summary>
    /// Makes every caller wait until the worker has taken its job before claiming chunks, so that tests asserting the
    /// worker ran pass on a loaded machine too (where the caller may otherwise finish every chunk before the worker wakes).
    /// </summary>
    internal static bool AwaitWorkerForTesting
    {
        set => Worker.AwaitForTesting = value;
    }

    /// <summary>Makes the worker's next job throw, so tests can see the failure reach the caller.</summary>
    internal static bool FailNextWorkerJobForTesting
    {
        set => Worker.FailNextJobForTesting = value;
    }

    /// <summary>
    /// Runs <paramref name="body"/>(<paramref name="context"/>, i) for every i in [0, <paramref name="count"/>): when
    /// <paramref name="parallel"/>, <see cref="MaxThreads"/> ≥ 2 and the worker is free, this thread and the worker
    /// claim the chunks from one counter; otherwise this thread runs them in order. The chunks must be independent
    /// (each writes its own memory), and <paramref name="context"/> must stay valid until this returns (the caller's
    /// stack, pinned spans). A GEMM run from inside a chunk runs serially: the worker is taken.
    /// </summary>
    internal static unsafe void RunChunks(delegate*<void*, int, void> body, void* context, int count, bool parallel)
    {
        Worker? worker = parallel && count >= 2 && MaxThreads >= 2 ? Worker.TryAcquire() : null;
        if (worker == null)
        {
            for (int i = 0; i < count; i++) body(context, i);
            return;
        }
        worker.Post(body, context, count);
        try
        {
            int chunk;
            while ((chunk = worker.ClaimChunk()) >= 0) body(context, chunk);
        }
        finally
        {
            worker.FinishAndRelease();
        }
    }

    /// <summary>Whether the calling thread is the worker: its chunks must use their own scratch, not the caller's.</summary>
    internal static bool OnWorkerThread => Worker.IsCurrentThread;

    /// <summary>Runs the problem on one thread, or shares its chunks between this thread and the worker.</summary>
    private static void Run<TKernel>(GemmPath path, in Problem p) where TKernel : struct, IMicrokernel
    {
        if (MaxThreads < 2 || (long)p.M * p.N * p.K < Volatile.Read(ref MinParallelWork)
            || !TryChunk<TKernel>(in p, out Chunking chunking))
        {
            RunSerial<TKernel>(in p);
            return;
        }

        // Busy (another user thread holds it) or called from the worker itself: one thread, never a wait.
        Worker? worker = Worker.TryAcquire();
        if (worker == null)
        {
            RunSerial<TKernel>(in p);
            return;
        }

        worker.Post(path, in p, chunking);
        try
        {
            // The caller claims chunks too, from the same counter: when the worker wakes late (a busy machine), the
            // caller simply does more of them, so a slow wake-up costs little rather than doubling the time.
            int chunk;
            while ((chunk = worker.ClaimChunk()) >= 0)
                RunSerial<TKernel>(Chunk(in p, chunking, chunk));
        }
        finally
        {
            // Always settle with the worker, even when this thread threw: it writes through pointers into the
            // caller's pinned C.
            worker.FinishAndRelease();
        }
    }

    /// <summary>How C is cut into chunks: along columns or rows, Size at a time (a multiple of the tile).</summary>
    private readonly record struct Chunking(bool Columns, int Size, int Count);

    /// <summary>
    /// Cuts C along n (repacking only A, the smaller operand when m ≤ n, per chunk) or else along m, into chunks
    /// large enough that the repacking stays a few percent of the work, and at most eight of them.
    /// </summary>
    private static bool TryChunk<TKernel>(in Problem p, out Chunking chunking) where TKernel : struct, IMicrokernel
    {
        if (p.N >= 2 * TKernel.NR && (p.N >= p.M || p.M < 2 * TKernel.MR))
        {
            int size = Math.Max(RoundUp(CeilDiv(p.N, MaxChunks), TKernel.NR), RoundUp(MinChunkColumns, TKernel.NR));
            size = Math.Min(size, RoundUp(CeilDiv(p.N, 2), TKernel.NR));
            chunking = new Chunking(true, size, CeilDiv(p.N, size));
            return chunking.Count >= 2;
        }
        if (p.M >= 2 * TKernel.MR)
        {
            int size = Math.Max(RoundUp(CeilDiv(p.M, MaxChunks), TKernel.MR), RoundUp(MinChunkRows, TKernel.MR));
            size = Math.Min(size, RoundUp(CeilDiv(p.M, 2), TKernel.MR));
            chunking = new Chunking(false, size, CeilDiv(p.M, size));
            return chunking.Count >= 2;
        }
        chunking = default;
        return false;
    }

    private const int MaxChunks = 8;
    private const int MinChunkColumns = 128;
    private const int MinChunkRows = 96;

    /// <summary>The sub-problem computing chunk <paramref name="index"/> of C.</summary>
    private static Problem Chunk(in Problem p, Chunking chunking, int index)
    {
        int start = index * chunking.Size;
        return chunking.Columns
            ? Columns(in p, start, Math.Min(chunking.Size, p.N - start))
            : Rows(in p, start, Math.Min(chunking.Size, p.M - start));
    }

    /// <summary>The sub-problem computing columns [j0, j0 + count) of C.</summary>
    private static unsafe Problem Columns(in Problem p, int j0, int count)
        => new(p.M, count, p.K, p.A, p.Lda, p.TransA,
            p.TransB ? p.B + (nint)j0 * p.Ldb : p.B + j0, p.Ldb, p.TransB,
            p.C + j0, p.Ldc, p.Accumulate, p.Bias == null ? null : p.Bias + j0, p.Relu)
        {
            // Chunks are whole strips wide (a multiple of NR), so a chunk's columns start at a strip of the packed B.
            Packed = p.Packed, PackedColumn0 = p.PackedColumn0 + j0, PackedStrips = p.PackedStrips,
        };

    /// <summary>The sub-problem computing rows [i0, i0 + count) of C.</summary>
    private static unsafe Problem Rows(in Problem p, int i0, int count)
        => new(count, p.N, p.K, p.TransA ? p.A + i0 : p.A + (nint)i0 * p.Lda, p.Lda, p.TransA,
            p.B, p.Ldb, p.TransB, p.C + (nint)i0 * p.Ldc, p.Ldc, p.Accumulate, p.Bias, p.Relu)
        {
            Packed = p.Packed, PackedColumn0 = p.PackedColumn0, PackedStrips = p.PackedStrips,
        };

    private static void RunSerial(GemmPath path, in Problem p)
    {
        switch (path)
        {
            case GemmPath.Vector512: RunSerial<Kernel512>(in p); break;
            case GemmPath.Vector256: RunSerial<Kernel256>(in p); break;
            default: RunSerial<KernelScalar>(in p); break;
        }
    }

    /// <summary>
    /// The one background thread. A job is either a GEMM cut into chunks or a chunked function of a context
    /// (<see cref="RunChunks"/>). It spins briefly after each job (back-to-back multiplies, as in a training step,
    /// find it awake) and then parks on an event, so an idle process costs nothing.
    /// </summary>
    private sealed unsafe class Worker
    {
        /// <summary>
        /// SpinWait iterations before either side blocks (SpinWait yields the core after its first few), on the order
        /// of tens of µs: longer than the gap between the multiplies of one layer, shorter than a scheduler quantum.
        /// </summary>
        private const int SpinCount = 1000;

        // The job's state: posted by the caller, then either taken by the worker or withdrawn by the caller when
        // it has claimed every chunk before the worker woke.
        private const int Idle = 0, Posted = 1, Taken = 2;

        internal static long Jobs;
        internal static volatile bool FailNextJobForTesting;
        internal static volatile bool AwaitForTesting;

        private static readonly Lock s_createLock = new();
        private static volatile Worker? s_instance;
        [ThreadStatic] private static bool t_isWorker;

        private readonly ManualResetEventSlim _start = new(false, SpinCount);
        private readonly ManualResetEventSlim _done = new(false, SpinCount);
        private int _busy;
        private int _state;
        private int _nextChunk;
        private int _chunkCount;
        private delegate*<void*, int, void> _body;
        private void* _context;
        private Problem _job;
        private Chunking _chunking;
        private GemmPath _path;
        private Exception? _error;

        private Worker()
        {
            // A ManualResetEventSlim allocates its lock the first time a thread blocks on it; a timed-out wait here
            // does that now, so no later multiply allocates.
            _start.Wait(1);
            _done.Wait(1);
            var thread = new Thread(Loop) { IsBackground = true, Name = "ModelGen GEMM worker" };
            thread.Start();
        }

        public static bool IsCurrentThread => t_isWorker;

        /// <summary>The worker, now owned by the caller, or null when it is busy or the caller is the worker.</summary>
        public static Worker? TryAcquire()
        {
            if (t_isWorker) return null;
            Worker worker = s_instance ?? Create();
            return Interlocked.CompareExchange(ref worker._busy, 1, 0) == 0 ? worker : null;
        }

        private static Worker Create()
        {
            lock (s_createLock) return s_instance ??= new Worker();
        }

        /// <summary>Offers the job's chunks to the worker; the caller claims them too, then must call FinishAndRelease.</summary>
        public void Post(GemmPath path, in Problem job, Chunking chunking)
        {
            _job = job;
            _chunking = chunking;
            _path = path;
            _body = null;
            _context = null;
            Start(chunking.Count);
        }

        /// <summary>Offers chunks [0, count) of body(context, chunk) to the worker; as <see cref="Post(GemmPath, in Problem, Chunking)"/>.</summary>
        public void Post(delegate*<void*, int, void> body, void* context, int count)
        {
            _body = body;
            _context = context;
            Start(count);
        }

        private void Start(int count)
        {
            _chunkCount = count;
            _nextChunk = 0;
            _done.Reset();
            Volatile.Write(ref _state, Posted);
            _start.Set();
            if (!AwaitForTesting) return;
            var spin = new SpinWait();
            while (Volatile.Read(ref _state) == Posted) spin.SpinOnce();
        }

        /// <summary>The next unclaimed chunk, or -1 when all are claimed.</summary>
        public int ClaimChunk()
        {
            int chunk = Interlocked.Increment(ref _nextChunk) - 1;
            return chunk < _chunkCount ? chunk : -1;
        }

        /// <summary>
        /// Withdraws the job if the worker never took it, else waits for its chunks; frees the worker for the next
        /// caller; then rethrows the worker's failure.
        /// </summary>
        public void FinishAndRelease()
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Posted) != Posted)
            {
                _done.Wait();
                Volatile.Write(ref _state, Idle);
            }
            Exception? error = _error;
            _error = null;
            Volatile.Write(ref _busy, 0);
            if (error != null) ExceptionDispatchInfo.Throw(error);
        }

        private void Loop()
        {
            t_isWorker = true;
            while (true)
            {
                _start.Wait();
                _start.Reset();
                // A wake-up for a job the caller has already withdrawn (or finished alone) finds no Posted state.
                if (Interlocked.CompareExchange(ref _state, Taken, Posted) != Posted) continue;
                try
                {
                    if (FailNextJobForTesting)
                    {
                        FailNextJobForTesting = false;
                        throw new InvalidOperationException("Injected GEMM worker failure.");
                    }
                    int chunk;
                    if (_body != null)
                    {
                        while ((chunk = ClaimChunk()) >= 0) _body(_context, chunk);
                    }
                    else
                    {
                        while ((chunk = ClaimChunk()) >= 0) RunSerial(_path, Chunk(in _job, _chunking, chunk));
                    }
                }
                catch (Exception e)
                {
                    _error = e;
                }
                Interlocked.Increment(ref Jobs);
                _done.Set();
            }
        }
    }
}
