using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

public static partial class GemmInt8
{
    /// <summary>
    /// AVX-512 BW: 8 rows × one 16-column panel in 8 zmm int32 accumulators; one zmm load of the panel per depth
    /// group serves all eight rows. The same vpmaddubsw + vpmaddwd pair as the AVX2 path: .NET 10 exposes VNNI
    /// (vpdpbusd) only as AvxVnni and Avx10v1, which many AVX-512 VNNI chips (Zen 4) report unsupported.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RunAvx512(in Int8Problem p)
    {
        if (p.RowOffsets != null) throw new InvalidOperationException("Rows read in place (MultiplyRows) run the AVX2 tiles.");
        for (int panel = 0; panel * PanelWidth < p.N; panel++)
        {
            int i = 0;
            for (; i + 8 <= p.M; i += 8) Avx512Tile8(in p, panel, i);
            for (; i < p.M; i++) Avx512Tile1(in p, panel, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> Avx512Step(Vector512<int> sum, byte* a, Vector512<sbyte> w, Vector512<short> ones)
    {
        Vector512<byte> broadcast = Vector512.Create(Unsafe.ReadUnaligned<int>(a)).AsByte();
        return Avx512BW.Add(sum, Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(broadcast, w), ones));
    }

    // The sums go to a stack tile before the epilogue, so no call follows the loop with the accumulators live
    // (the JIT spilled them on every iteration when one did).
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void Avx512Tile8(in Int8Problem p, int panel, int row)
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<int> c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<short> ones = Vector512.Create((short)1);
        sbyte* b = p.Panel(panel);
        nint kp = p.Kp;
        byte* a = p.A + row * kp;
        for (int g = 0; g < p.Kp; g += DepthGroup, b += PanelWidth * DepthGroup, a += DepthGroup)
        {
            Vector512<sbyte> w = Vector512.Load(b);
            c0 = Avx512Step(c0, a, w, ones);
            c1 = Avx512Step(c1, a + kp, w, ones);
            c2 = Avx512Step(c2, a + 2 * kp, w, ones);
            c3 = Avx512Step(c3, a + 3 * kp, w, ones);
            c4 = Avx512Step(c4, a + 4 * kp, w, ones);
            c5 = Avx512Step(c5, a + 5 * kp, w, ones);
            c6 = Avx512Step(c6, a + 6 * kp, w, ones);
            c7 = Avx512Step(c7, a + 7 * kp, w, ones);
        }
        int* sums = stackalloc int[8 * PanelWidth];
        c0.Store(sums);
        c1.Store(sums + 16);
        c2.Store(sums + 32);
        c3.Store(sums + 48);
        c4.Store(sums + 64);
        c5.Store(sums + 80);
        c6.Store(sums + 96);
        c7.Store(sums + 112);
        Avx512Store(in p, panel, row, 8, sums);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void Avx512Tile1(in Int8Problem p, int panel, int row)
    {
        Vector512<int> c = default;
        Vector512<short> ones = Vector512.Create((short)1);
        sbyte* b = p.Panel(panel);
        byte* a = p.A + (nint)row * p.Kp;
        for (int g = 0; g < p.Kp; g += DepthGroup, b += PanelWidth * DepthGroup, a += DepthGroup)
            c = Avx512Step(c, a, Vector512.Load(b), ones);
        int* sums = stackalloc int[PanelWidth];
        c.Store(sums);
        Avx512Store(in p, panel, row, 1, sums);
    }

    /// <summary>The epilogue for <paramref name="rows"/> rows of int32 sums (16 per row): dequantise, bias, activation, store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static unsafe void Avx512Store(in Int8Problem p, int panel, int row, int rows, int* sums)
    {
        int column = panel * PanelWidth, width = p.Width(panel);
        float* tail = stackalloc float[PanelWidth];
        for (int r = 0; r < rows; r++, sums += PanelWidth)
        {
            Vector512<float> value = Vector512.ConvertToSingle(Vector512.Load(sums) - Vector512.Load(p.Offset + column));
            value = value * Vector512.Load(p.Scale + column) + Vector512.Load(p.Bias + column);
            if (p.Relu) value = Vector512.ConditionalSelect(Vector512.GreaterThan(value, Vector512<float>.Zero), value, Vector512<float>.Zero);
            float* c = p.C + (nint)(row + r) * p.Ldc + column;
            if (width == PanelWidth)
            {
                value.Store(c);
                continue;
            }
            value.Store(tail);
            for (int j = 0; j < width; j++) c[j] = tail[j];
        }
    }
}
