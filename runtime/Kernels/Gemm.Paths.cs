using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

/// <summary>The instruction-set path <see cref="Gemm.Multiply"/> runs its microkernel on.</summary>
internal enum GemmPath
{
    /// <summary>The widest path the machine accelerates.</summary>
    Auto,
    /// <summary>12×32 tiles in zmm registers (AVX-512).</summary>
    Vector512,
    /// <summary>6×16 tiles in ymm registers (AVX2 + FMA).</summary>
    Vector256,
    /// <summary>4×4 tiles in scalar registers: any machine.</summary>
    Scalar,
}

public static partial class Gemm
{
    /// <summary>
    /// Forces a path on the current thread, so tests can run every path on one machine. A forced vector path
    /// that the hardware does not accelerate still computes the right answer (the Vector APIs fall back to
    /// software), only slowly. Thread-static so a test forcing a path cannot disturb a test running beside it.
    /// </summary>
    [ThreadStatic] internal static GemmPath ForcedPath;

    /// <summary>The path <see cref="GemmPath.Auto"/> resolves to on this machine, decided once.</summary>
    internal static readonly GemmPath BestPath =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmPath.Vector512
        // Without FMA the Vector256 multiply-add would fall back to scalar code, slower than the scalar path.
        : Vector256.IsHardwareAccelerated && Fma.IsSupported && Avx.IsSupported ? GemmPath.Vector256
        : GemmPath.Scalar;

    /// <summary>Whether <paramref name="path"/> runs on hardware instructions here (tests choose by it).</summary>
    internal static bool IsAccelerated(GemmPath path) => path switch
    {
        GemmPath.Vector512 => BestPath == GemmPath.Vector512,
        GemmPath.Vector256 => BestPath != GemmPath.Scalar,
        _ => true,
    };

    private static GemmPath SelectPath() => ForcedPath == GemmPath.Auto ? BestPath : ForcedPath;

    /// <summary>The path a multiply on this thread takes now: <see cref="BestPath"/> unless a test forced one.</summary>
    internal static GemmPath CurrentPath => SelectPath();

    /// <summary>
    /// A register-blocked microkernel and the cache blocking tuned for it. Implemented by structs so that the
    /// generic driver is specialised per kernel and every constant folds.
    /// </summary>
    private interface IMicrokernel
    {
        /// <summary>Rows of C per tile: the height of a packed A strip.</summary>
        static abstract int MR { get; }
        /// <summary>Columns of C per tile: the width of a packed B strip.</summary>
        static abstract int NR { get; }
        /// <summary>Rows of op(A) packed at once (a multiple of MR); the packed block lives in L2.</summary>
        static abstract int MC { get; }
        /// <summary>Depth of one packed block; one B strip (KC×NR) lives in L1.</summary>
        static abstract int KC { get; }
        /// <summary>Columns of op(B) packed at once (a multiple of NR); the packed panel lives in L3.</summary>
        static abstract int NC { get; }

        /// <summary>
        /// C[0..mr, 0..nr] = (accumulate ? C : 0) + A·B (+ bias) (then ReLU), for one packed A strip (kc×MR,
        /// zero-padded) and one packed B strip (kc×NR, zero-padded). <paramref name="bias"/> points at column 0
        /// of the tile or is null.
        /// </summary>
        static abstract unsafe void Run(int kc, float* a, float* b, float* c, nint ldc, int mr, int nr,
            bool accumulate, float* bias, bool relu);
    }
}
