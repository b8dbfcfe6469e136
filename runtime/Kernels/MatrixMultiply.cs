using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelGen.Kernels;

/// <summary>
/// The <see cref="Gemm.Multiply"/> contract for either precision, so that one generic eager op serves both:
/// float32 goes to <see cref="Gemm.Multiply"/> (the fast kernel), float64 to plain loops here, since float64
/// only runs in gradient checks and needs to be right rather than fast.
/// </summary>
internal static class MatrixMultiply
{
    /// <summary>C = op(A)·op(B) (+ C when accumulate) (+ bias[j] to column j); see <see cref="Gemm"/> for the layout.</summary>
    public static void Multiply<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int lda, bool transA,
        ReadOnlySpan<T> b, int ldb, bool transB,
        Span<T> c, int ldc,
        bool accumulate = false, ReadOnlySpan<T> bias = default) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            Gemm.Multiply(m, n, k,
                As<T, float>(a), lda, transA,
                As<T, float>(b), ldb, transB,
                AsWritable<T, float>(c), ldc, accumulate, As<T, float>(bias));
        }
        else if (typeof(T) == typeof(double))
        {
            MultiplyFloat64(m, n, k,
                As<T, double>(a), lda, transA,
                As<T, double>(b), ldb, transB,
                AsWritable<T, double>(c), ldc, accumulate, As<T, double>(bias));
        }
        else
        {
            throw new NotSupportedException($"Matrix multiply supports float and double, not {typeof(T).Name}.");
        }
    }

    /// <summary>The float64 loops: a dot product per element when B is transposed, row updates otherwise.</summary>
    public static void MultiplyFloat64(int m, int n, int k,
        ReadOnlySpan<double> a, int lda, bool transA,
        ReadOnlySpan<double> b, int ldb, bool transB,
        Span<double> c, int ldc,
        bool accumulate = false, ReadOnlySpan<double> bias = default)
    {
        for (int i = 0; i < m; i++)
        {
            Span<double> cRow = c.Slice(i * ldc, n);
            if (!accumulate) cRow.Clear();
            if (transB)
            {
                // op(B)[p, j] = B[j, p]: each C element is a dot product of a row of op(A) with a row of B.
                for (int j = 0; j < n; j++)
                {
                    ReadOnlySpan<double> bRow = b.Slice(j * ldb, k);
                    double sum = 0;
                    if (!transA) sum = TensorPrimitives.Dot(a.Slice(i * lda, k), bRow);
                    else for (int p = 0; p < k; p++) sum += a[p * lda + i] * bRow[p];
                    cRow[j] += sum;
                }
            }
            else
            {
                // C[i, :] += op(A)[i, p] · B[p, :], reading B row by row.
                for (int p = 0; p < k; p++)
                {
                    double aip = transA ? a[p * lda + i] : a[i * lda + p];
                    TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), aip, cRow, cRow);
                }
            }
            if (!bias.IsEmpty) TensorPrimitives.Add(cRow, bias[..n], cRow);
        }
    }

    // Reinterprets a span once typeof(T) == typeof(TTo) has been checked (MemoryMarshal.Cast would need T : struct
    // on every generic caller).
    private static ReadOnlySpan<TTo> As<T, TTo>(ReadOnlySpan<T> span) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, TTo>(ref MemoryMarshal.GetReference(span)), span.Length);

    private static Span<TTo> AsWritable<T, TTo>(Span<T> span) =>
        MemoryMarshal.CreateSpan(ref Unsafe.As<T, TTo>(ref MemoryMarshal.GetReference(span)), span.Length);
}
