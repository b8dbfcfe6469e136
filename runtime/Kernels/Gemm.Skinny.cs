using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

// A multiply with a handful of rows (inference at batch 1, a few samples) is bound by reading B once: packing B
// into panels first, as the blocked path does, reads and writes it twice more and then feeds a 6-row tile that is
// mostly empty. These loops read A and B where they lie instead, and need no buffers.
public static partial class Gemm
{
    /// <summary>The most rows of C that take the unpacked path: above it, packing pays for itself.</summary>
    internal const int SkinnyMaxRows = 4;

    /// <summary>Whether the problem takes the unpacked path: few rows of a row-major A, on a vector path.</summary>
    private static bool IsSkinny(in Problem p, GemmPath path)
        => p.M <= SkinnyMaxRows && !p.TransA && path != GemmPath.Scalar && Vector256.IsHardwareAccelerated;

    private static void RunSkinny(in Problem p)
    {
        // op(B) = Bᵀ puts each column of op(B) in a contiguous row of B: dot products. Otherwise rows of B are
        // rows of op(B): C's row is a sum of B's rows scaled by A's entries.
        if (p.TransB) SkinnyDots(in p);
        else SkinnyRowSums(in p);
    }

    /// <summary>C[i, j] = A[i, :]·B[j, :] for B stored [n, k]: four columns at a time, so four independent chains.</summary>
    private static unsafe void SkinnyDots(in Problem p)
    {
        int k = p.K, vectorEnd = k & ~7;
        for (int i = 0; i < p.M; i++)
        {
            float* a = p.A + (nint)i * p.Lda;
            float* c = p.C + (nint)i * p.Ldc;
            int j = 0;
            for (; j + 4 <= p.N; j += 4)
            {
                float* b0 = p.B + (nint)j * p.Ldb, b1 = b0 + p.Ldb, b2 = b1 + p.Ldb, b3 = b2 + p.Ldb;
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                for (int q = 0; q < vectorEnd; q += 8)
                {
                    Vector256<float> av = Vector256.Load(a + q);
                    s0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b0 + q), s0);
                    s1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b1 + q), s1);
                    s2 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b2 + q), s2);
                    s3 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b3 + q), s3);
                }
                float d0 = Vector256.Sum(s0), d1 = Vector256.Sum(s1), d2 = Vector256.Sum(s2), d3 = Vector256.Sum(s3);
                for (int q = vectorEnd; q < k; q++)
                {
                    float av = a[q];
                    d0 += av * b0[q];
                    d1 += av * b1[q];
                    d2 += av * b2[q];
                    d3 += av * b3[q];
                }
                Store(in p, c, j, d0);
                Store(in p, c, j + 1, d1);
                Store(in p, c, j + 2, d2);
                Store(in p, c, j + 3, d3);
            }
            for (; j < p.N; j++)
            {
                float* bj = p.B + (nint)j * p.Ldb;
                Vector256<float> s = default;
                for (int q = 0; q < vectorEnd; q += 8)
                    s = Vector256.FusedMultiplyAdd(Vector256.Load(a + q), Vector256.Load(bj + q), s);
                float d = Vector256.Sum(s);
                for (int q = vectorEnd; q < k; q++) d += a[q] * bj[q];
                Store(in p, c, j, d);
            }
        }
    }

    /// <summary>C[i, :] = Σ_q A[i, q]·B[q, :] for B stored [k, n]: 32 columns of C held in registers per pass over q.</summary>
    private static unsafe void SkinnyRowSums(in Problem p)
    {
        for (int i = 0; i < p.M; i++)
        {
            float* a = p.A + (nint)i * p.Lda;
            float* c = p.C + (nint)i * p.Ldc;
            int j = 0;
            for (; j + 32 <= p.N; j += 32)
            {
                Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                float* b = p.B + j;
                for (int q = 0; q < p.K; q++, b += p.Ldb)
                {
                    var av = Vector256.Create(a[q]);
                    s0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b), s0);
                    s1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 8), s1);
                    s2 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 16), s2);
                    s3 = Vector256.FusedMultiplyAdd(av, Vector256.Load(b + 24), s3);
                }
                StoreVector(in p, c, j, s0);
                StoreVector(in p, c, j + 8, s1);
                StoreVector(in p, c, j + 16, s2);
                StoreVector(in p, c, j + 24, s3);
            }
            for (; j + 8 <= p.N; j += 8)
            {
                Vector256<float> s = default;
                float* b = p.B + j;
                for (int q = 0; q < p.K; q++, b += p.Ldb)
                    s = Vector256.FusedMultiplyAdd(Vector256.Create(a[q]), Vector256.Load(b), s);
                StoreVector(in p, c, j, s);
            }
            for (; j < p.N; j++)
            {
                float d = 0f;
                float* b = p.B + j;
                for (int q = 0; q < p.K; q++, b += p.Ldb) d += a[q] * *b;
                Store(in p, c, j, d);
            }
        }
    }

    /// <summary>The epilogue of one element: C (when accumulating) plus the product, the bias, then ReLU.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(in Problem p, float* c, int j, float product)
    {
        float v = p.Accumulate ? c[j] + product : product;
        if (p.Bias != null) v += p.Bias[j];
        c[j] = p.Relu && v < 0f ? 0f : v;
    }

    /// <summary>The same epilogue for eight adjacent elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreVector(in Problem p, float* c, int j, Vector256<float> product)
    {
        Vector256<float> v = p.Accumulate ? Vector256.Load(c + j) + product : product;
        if (p.Bias != null) v += Vector256.Load(p.Bias + j);
        if (p.Relu) v = Vector256.Max(v, Vector256<float>.Zero);
        v.Store(c + j);
    }
}
