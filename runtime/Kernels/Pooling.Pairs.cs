using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels;

// Float32 max pooling with 2×2 windows, stride 2 and no padding over planes of even height and width (LeNet's
// pools, and most CNNs'): the windows tile the plane exactly, so output row oh reads input rows 2·oh and 2·oh + 1 and
// nothing else. The generic loops spend most of their time on window bounds and span checks for four reads; here
// eight windows are one pair of AVX loads. Rows shorter than a vector run a last vector that overlaps the one
// before it: it recomputes, from the same inputs, values already written, so the results do not change.
// Vector maxima order −0 below +0 where the generic loop keeps the first of equal values: a window of only zeros
// may give +0 where the loop gives −0 (equal values; the backward matches by equality, so it routes the same way).
public static partial class Pooling
{
    /// <summary>Whether the float32 max pooling runs the paired 2×2 kernels (AVX, and an exact tiling of the plane).</summary>
    internal static bool UsePairs<T>(in Pool2dGeometry g) =>
        typeof(T) == typeof(float) && Avx2.IsSupported
        && g.KernelHeight == 2 && g.KernelWidth == 2 && g.StrideHeight == 2 && g.StrideWidth == 2
        && g.PaddingHeight == 0 && g.PaddingWidth == 0
        && g.InHeight % 2 == 0 && g.InWidth % 2 == 0 && g.OutWidth >= 4;

    /// <summary>The forward of <see cref="MaxForwardPlanes{T}"/> when <see cref="UsePairs{T}"/> holds.</summary>
    private static unsafe void MaxForwardPairs(float* input, float* output, int planes, in Pool2dGeometry g)
    {
        int width = g.InWidth, outWidth = g.OutWidth, rows = planes * g.OutHeight;
        // Exact tiling: the planes' row pairs follow one another with nothing between, so the planes are one run of rows.
        for (int row = 0; row < rows; row++)
        {
            float* top = input + (nint)row * 2 * width, bottom = top + width, y = output + (nint)row * outWidth;
            if (outWidth >= 8)
            {
                for (int ow = 0; ; ow += 8)
                {
                    if (ow + 8 > outWidth) ow = outWidth - 8;
                    MaxEight(top + 2 * ow, bottom + 2 * ow).Store(y + ow);
                    if (ow + 8 >= outWidth) break;
                }
            }
            else
            {
                // 4 ≤ outWidth < 8: the low half of two overlapping eight-window results.
                MaxEight4(top, bottom, outWidth, y);
            }
        }
    }

    /// <summary>The maxima of the eight windows whose top-left corners are top[0], top[2], …, top[14].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> MaxEight(float* top, float* bottom)
    {
        // Vertical maxima of sixteen columns, then the maxima of adjacent pairs: even and odd lanes of the two halves.
        Vector256<float> v0 = Vector256.Max(Vector256.Load(top), Vector256.Load(bottom));
        Vector256<float> v1 = Vector256.Max(Vector256.Load(top + 8), Vector256.Load(bottom + 8));
        Vector256<float> even = Avx.Shuffle(v0, v1, 0b10_00_10_00), odd = Avx.Shuffle(v0, v1, 0b11_01_11_01);
        // Lanes are now windows 0 1 4 5 | 2 3 6 7: restore their order.
        return Avx2.PermuteVar8x32(Vector256.Max(even, odd), Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7));
    }

    /// <summary>The maxima of a row of 4 to 7 windows, through 128-bit vectors (overlapping when more than 4).</summary>
    private static unsafe void MaxEight4(float* top, float* bottom, int outWidth, float* y)
    {
        for (int ow = 0; ; ow += 4)
        {
            if (ow + 4 > outWidth) ow = outWidth - 4;
            Vector128<float> v0 = Vector128.Max(Vector128.Load(top + 2 * ow), Vector128.Load(bottom + 2 * ow));
            Vector128<float> v1 = Vector128.Max(Vector128.Load(top + 2 * ow + 4), Vector128.Load(bottom + 2 * ow + 4));
            Vector128.Max(Sse.Shuffle(v0, v1, 0b10_00_10_00), Sse.Shuffle(v0, v1, 0b11_01_11_01)).Store(y + ow);
            if (ow + 4 >= outWidth) break;
        }
    }

    /// <summary>
    /// The backward of <see cref="MaxBackwardPlanes{T}"/> when <see cref="UsePairs{T}"/> holds: every input element
    /// is written once, the window's gradient where the first element (row-major) equals its maximum or is NaN, 0
    /// elsewhere, so dInput needs no clearing first.
    /// </summary>
    private static unsafe void MaxBackwardPairs(float* dOutput, float* input, float* output, float* dInput, int planes, in Pool2dGeometry g)
    {
        int width = g.InWidth, outWidth = g.OutWidth, rows = planes * g.OutHeight;
        for (int row = 0; row < rows; row++)
        {
            nint at = (nint)row * 2 * width, outAt = (nint)row * outWidth;
            float* top = input + at, bottom = top + width, dTop = dInput + at, dBottom = dTop + width;
            float* y = output + outAt, dy = dOutput + outAt;
            // Four windows (eight columns) per step; the last step overlaps the one before it when outWidth % 4 ≠ 0.
            for (int ow = 0; ; ow += 4)
            {
                if (ow + 4 > outWidth) ow = outWidth - 4;
                RouteFour(top + 2 * ow, bottom + 2 * ow, y + ow, dy + ow, dTop + 2 * ow, dBottom + 2 * ow);
                if (ow + 4 >= outWidth) break;
            }
        }
    }

    /// <summary>Routes the gradients of four adjacent windows to their first maximal (or NaN) element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void RouteFour(float* top, float* bottom, float* y, float* dy, float* dTop, float* dBottom)
    {
        // Each window's maximum and gradient, twice: lanes 2i and 2i + 1 belong to window i.
        Vector256<float> max = Widen(Vector128.Load(y)), gradient = Widen(Vector128.Load(dy));
        Vector256<float> a = Vector256.Load(top), b = Vector256.Load(bottom);
        Vector256<float> hitTop = Vector256.Equals(a, max) | ~Vector256.Equals(a, a);
        Vector256<float> hitBottom = Vector256.Equals(b, max) | ~Vector256.Equals(b, b);
        // The other lane of the same window: even lanes see the odd one and the other way round.
        Vector256<float> oddLanes = Vector256.Create(0, -1, 0, -1, 0, -1, 0, -1).AsSingle();
        Vector256<float> topPartner = Avx.Permute(hitTop, 0b10_11_00_01), bottomPartner = Avx.Permute(hitBottom, 0b10_11_00_01);
        Vector256<float> takeTop = Vector256.AndNot(hitTop, topPartner & oddLanes);
        Vector256<float> takeBottom = Vector256.AndNot(Vector256.AndNot(hitBottom, hitTop | topPartner), bottomPartner & oddLanes);
        (gradient & takeTop).Store(dTop);
        (gradient & takeBottom).Store(dBottom);
    }

    /// <summary>[v0, v0, v1, v1, v2, v2, v3, v3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Widen(Vector128<float> v) =>
        Vector256.Create(Sse.UnpackLow(v, v), Sse.UnpackHigh(v, v));
}
