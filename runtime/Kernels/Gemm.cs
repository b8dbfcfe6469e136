using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>The activation a GEMM applies in its epilogue, after the bias.</summary>
public enum Activation
{
    /// <summary>No activation.</summary>
    None,
    /// <summary>max(x, 0).</summary>
    Relu,
}

/// <summary>
/// Single-precision matrix multiply, C = op(A)·op(B) (+ C) (+ bias per column) then an activation.
/// All matrices are row-major with leading dimensions (row strides) lda, ldb, ldc.
/// op(A) is [m, k]: A is stored [m, k] or, when transA, [k, m]. op(B) is [k, n]: B is stored [k, n] or, when
/// transB, [n, k]. Called by generated code and by eager <c>MatMul</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Gemm
{
    /// <summary>C = op(A)·op(B) (+ C when accumulate) (+ bias[j] to column j) then activation.</summary>
    /// <remarks>
    /// A packed, cache-blocked multiply (see Gemm.Blocking.cs); a multiply of at most four rows reads A and B
    /// unpacked instead (Gemm.Skinny.cs). A large multiply may run part of C on a second,
    /// persistent thread (see <see cref="MaxThreads"/>); the result is bit-identical either way. It allocates
    /// nothing once the packing buffers have grown to the problem's size and the worker thread exists.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A size is negative, or a leading dimension is less than its row length.
    /// </exception>
    /// <exception cref="ArgumentException">A span is too short for the sizes and leading dimension given.</exception>
    public static unsafe void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, bool transA,
        ReadOnlySpan<float> b, int ldb, bool transB,
        Span<float> c, int ldc,
        bool accumulate = false, ReadOnlySpan<float> bias = default, Activation activation = Activation.None)
    {
        Validate(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, bias);
        MultiplyValidated(m, n, k, a, lda, transA, b, ldb, transB, null, c, ldc, accumulate, bias, activation);
    }

    /// <summary>
    /// <see cref="Multiply"/> after validation; with <paramref name="packedB"/>, the blocked path reads op(B) from it instead of packing B.
    /// </summary>
    private static unsafe void MultiplyValidated(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, bool transA,
        ReadOnlySpan<float> b, int ldb, bool transB, PackedB? packedB,
        Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> bias, Activation activation)
    {
        if (m == 0 || n == 0) return;
        bool relu = activation == Activation.Relu;
        if (k == 0)
        {
            // No products: only the epilogue remains.
            EpilogueOnly(m, n, c, ldc, accumulate, bias, relu);
            return;
        }

        // The kernels take raw pointers so the inner loops carry no bounds checks; Validate has proved the extents.
        fixed (float* pa = a, pb = b, pc = c, pbias = bias)
        {
            var problem = new Problem(m, n, k, pa, lda, transA, pb, ldb, transB, pc, ldc, accumulate, pbias, relu);
            GemmPath path = SelectPath();
            if (IsSkinny(in problem, path))
            {
                RunSkinny(in problem); // a few rows: read A and B in place (Gemm.Skinny.cs)
                return;
            }
            // Panels packed on another path (a test forcing one) have another layout: pack B per block instead.
            if (packedB != null && packedB.Path == path) problem = Attach(in problem, packedB);
            switch (path)
            {
                case GemmPath.Vector512: Run<Kernel512>(GemmPath.Vector512, in problem); break;
                case GemmPath.Vector256: Run<Kernel256>(GemmPath.Vector256, in problem); break;
                default: Run<KernelScalar>(GemmPath.Scalar, in problem); break;
            }
        }
        GC.KeepAlive(packedB); // its pinned panels must outlive the kernels' pointers
    }

    /// <summary>The same contract as <see cref="Multiply"/> with plain loops and float64 accumulators: the test oracle.</summary>
    public static void Reference(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, bool transA,
        ReadOnlySpan<float> b, int ldb, bool transB,
        Span<float> c, int ldc,
        bool accumulate = false, ReadOnlySpan<float> bias = default, Activation activation = Activation.None)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * ldc + j] : 0.0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)av * bv;
                }
                if (!bias.IsEmpty) sum += bias[j];
                if (activation == Activation.Relu && sum < 0) sum = 0;
                c[i * ldc + j] = (float)sum;
            }
        }
    }
}
