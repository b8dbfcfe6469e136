using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

public static partial class GemmInt8
{
    /// <summary>
    /// AVX2: 4 rows × one 16-column panel in 8 ymm int32 accumulators. Per depth group each row's four activation
    /// bytes are broadcast, vpmaddubsw multiplies them with the panel's bytes into int16 pair sums (exact: 7-bit
    /// activations), and vpmaddwd with ones widens those pairs to int32. The panel (16·Kp bytes) stays in L1
    /// while the activation rows stream past it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunAvx2(in Int8Problem p)
    {
        for (int panel = 0; panel * PanelWidth < p.N; panel++)
        {
            int i = 0;
            for (; i + 4 <= p.M; i += 4) Avx2Tile4(in p, panel, i);
            for (; i < p.M; i++) Avx2Tile1(in p, panel, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Avx2Step(Vector256<int> sum, Vector256<byte> a, Vector256<sbyte> w, Vector256<short> ones)
        => Avx2.Add(sum, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, w), ones));

    // The sums go to a stack tile before the epilogue: a call after the loop with the accumulators live made the
    // JIT spill them to the stack on every iteration (ymm registers do not survive calls).
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void Avx2Tile4(in Int8Problem p, int panel, int row)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<int> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<short> ones = Vector256.Create((short)1);
        sbyte* b = p.Panel(panel);
        byte* a0 = p.Row(row), a1 = p.Row(row + 1), a2 = p.Row(row + 2), a3 = p.Row(row + 3);
        int segmentBytes = p.SegmentBytes;
        nint stride = p.SegmentStride;
        // One segment (the whole row) for a plain GEMM; a convolution's kernel rows for MultiplyRows.
        for (int segment = 0; segment < p.Segments; segment++, a0 += stride, a1 += stride, a2 += stride, a3 += stride)
        {
            for (int g = 0; g < segmentBytes; g += DepthGroup, b += PanelWidth * DepthGroup)
            {
                Vector256<sbyte> w0 = Avx.LoadVector256(b), w1 = Avx.LoadVector256(b + 32);
                Vector256<byte> a = Vector256.Create(Unsafe.ReadUnaligned<int>(a0 + g)).AsByte();
                c00 = Avx2Step(c00, a, w0, ones);
                c01 = Avx2Step(c01, a, w1, ones);
                a = Vector256.Create(Unsafe.ReadUnaligned<int>(a1 + g)).AsByte();
                c10 = Avx2Step(c10, a, w0, ones);
                c11 = Avx2Step(c11, a, w1, ones);
                a = Vector256.Create(Unsafe.ReadUnaligned<int>(a2 + g)).AsByte();
                c20 = Avx2Step(c20, a, w0, ones);
                c21 = Avx2Step(c21, a, w1, ones);
                a = Vector256.Create(Unsafe.ReadUnaligned<int>(a3 + g)).AsByte();
                c30 = Avx2Step(c30, a, w0, ones);
                c31 = Avx2Step(c31, a, w1, ones);
            }
        }
        int* sums = stackalloc int[4 * PanelWidth];
        c00.Store(sums);
        c01.Store(sums + 8);
        c10.Store(sums + 16);
        c11.Store(sums + 24);
        c20.Store(sums + 32);
        c21.Store(sums + 40);
        c30.Store(sums + 48);
        c31.Store(sums + 56);
        Avx2Store(in p, panel, row, 4, sums);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void Avx2Tile1(in Int8Problem p, int panel, int row)
    {
        Vector256<int> c0 = default, c1 = default;
        Vector256<short> ones = Vector256.Create((short)1);
        sbyte* b = p.Panel(panel);
        byte* a0 = p.Row(row);
        int segmentBytes = p.SegmentBytes;
        for (int segment = 0; segment < p.Segments; segment++, a0 += p.SegmentStride)
        {
            for (int g = 0; g < segmentBytes; g += DepthGroup, b += PanelWidth * DepthGroup)
            {
                Vector256<byte> a = Vector256.Create(Unsafe.ReadUnaligned<int>(a0 + g)).AsByte();
                c0 = Avx2Step(c0, a, Avx.LoadVector256(b), ones);
                c1 = Avx2Step(c1, a, Avx.LoadVector256(b + 32), ones);
            }
        }
        int* sums = stackalloc int[PanelWidth];
        c0.Store(sums);
        c1.Store(sums + 8);
        Avx2Store(in p, panel, row, 1, sums);
    }

    /// <summary>The epilogue for <paramref name="rows"/> rows of int32 sums (16 per row): dequantise, bias, activation, store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void Avx2Store(in Int8Problem p, int panel, int row, int rows, int* sums)
    {
        int column = panel * PanelWidth, width = p.Width(panel);
        float* tail = stackalloc float[PanelWidth];
        for (int r = 0; r < rows; r++, sums += PanelWidth)
        {
            Vector256<float> v0 = Epilogue256(in p, column, Vector256.Load(sums)), v1 = Epilogue256(in p, column + 8, Vector256.Load(sums + 8));
            float* c = p.C + (nint)(row + r) * p.Ldc + column;
            if (width == PanelWidth)
            {
                v0.Store(c);
                v1.Store(c + 8);
                continue;
            }
            v0.Store(tail);
            v1.Store(tail + 8);
            for (int j = 0; j < width; j++) c[j] = tail[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Epilogue256(in Int8Problem p, int column, Vector256<int> sum)
    {
        Vector256<float> value = Vector256.ConvertToSingle(sum - Vector256.Load(p.Offset + column));
        value = value * Vector256.Load(p.Scale + column) + Vector256.Load(p.Bias + column);
        return p.Relu ? Vector256.ConditionalSelect(Vector256.GreaterThan(value, Vector256<float>.Zero), value, Vector256<float>.Zero) : value;
    }
}
