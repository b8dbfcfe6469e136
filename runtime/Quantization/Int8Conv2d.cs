using System.Runtime.CompilerServices;
using ModelGen.Kernels;

namespace ModelGen.Quantization;

/// <summary>
/// One Conv2d layer (groups 1) in int8, called by the generated compiled Forward in place of the float
/// convolution. Per image: the input is quantised once to 7-bit codes, the codes are gathered into an im2col
/// matrix [OutHeight·OutWidth, InChannels·KH·KW] (one row per output pixel, padding taps at the zero point, so
/// they stand for 0), the int8 GEMM multiplies it with the packed weights [OutChannels, InChannels·KH·KW] and
/// dequantises, adds the bias and applies ReLU in its epilogue, and the [pixels, channels] result is transposed
/// into the NCHW output. The GEMM takes activations as its row operand and weights as its packed column operand,
/// hence pixels as rows and the transpose at the end.
/// </summary>
/// <remarks>
/// Quantising the image first and gathering bytes quantises each input value once, where quantising while
/// gathering would round it once per kernel tap that reads it (KH·KW/stride² times), and moves a quarter of the bytes
/// a float im2col would.
/// </remarks>
public sealed class Int8Conv2d : Int8Layer
{
    private readonly byte[] _image;    // one input image's codes
    private readonly byte[] _columns;  // the im2col codes of one image, [pixels, PaddedDepth(K)]
    private readonly float[] _pixels;  // the GEMM result of one image, [pixels, OutChannels]

    internal Int8Conv2d(string layer, in Conv2dGeometry geometry, sbyte[] weights, float[] weightScales,
        ReadOnlySpan<float> bias, Activation activation)
        : base(layer, geometry.ColumnRows, geometry.OutChannels, weights, weightScales, bias, activation)
    {
        if (geometry.Groups != 1) throw new ArgumentException($"Int8Conv2d {layer}: only groups 1 runs int8; got {geometry.Groups}.", nameof(geometry));
        Geometry = geometry;
        int pixels = geometry.OutHeight * geometry.OutWidth;
        // 8 spare bytes each: Gather moves short kernel rows 8 bytes at a time.
        _image = new byte[GemmInt8.PaddedDepth(geometry.InputImageLength) + sizeof(ulong)];
        _columns = new byte[pixels * GemmInt8.PaddedDepth(geometry.ColumnRows) + sizeof(ulong)];
        _pixels = new float[pixels * geometry.OutChannels];
    }

    /// <summary>Quantises float weights [OutChannels, InChannels, KH, KW] per output channel.</summary>
    internal static Int8Conv2d FromFloat(string layer, in Conv2dGeometry geometry, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, Activation activation)
    {
        (sbyte[] codes, float[] scales) = QuantizeWeights(weight, geometry.ColumnRows, geometry.OutChannels);
        return new Int8Conv2d(layer, geometry, codes, scales, bias, activation);
    }

    /// <summary>The convolution's sizes.</summary>
    public Conv2dGeometry Geometry { get; }

    /// <summary>
    /// y [batch, OutChannels, OutH, OutW] = act(conv(x, W) + b) in int8, returning true; or, while calibrating,
    /// records x's range and returns false so the caller runs its float convolution. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the batch of images needs.</exception>
    public bool TryForward(int batch, ReadOnlySpan<float> x, Span<float> y)
    {
        Conv2dGeometry g = Geometry;
        if (batch < 0 || x.Length < batch * g.InputImageLength || y.Length < batch * g.OutputImageLength)
            throw new ArgumentException($"Int8Conv2d {Layer} expects {batch} images of {g.InputImageLength} in and {g.OutputImageLength} out.");
        x = x[..(batch * g.InputImageLength)];
        if (Observed(x)) return false;
        int pixels = g.OutHeight * g.OutWidth, channels = g.OutChannels;
        float inverseScale = 1f / ActivationScale;
        for (int n = 0; n < batch; n++)
        {
            GemmInt8.QuantizeActivations(x.Slice(n * g.InputImageLength, g.InputImageLength), 1, g.InputImageLength, inverseScale, ZeroPoint, _image);
            Gather(_image, in g, (byte)ZeroPoint, _columns);
            Multiply(pixels, _columns, _pixels, channels);
            Transpose(_pixels, pixels, channels, y.Slice(n * g.OutputImageLength, g.OutputImageLength));
        }
        return true;
    }

    /// <summary>
    /// im2col on codes: row r = oy·OutWidth + ox holds the taps of output pixel (oy, ox) in weight order
    /// (channel, ky, kx); taps in the padding read the zero point; the row's tail up to PaddedDepth is 0.
    /// </summary>
    /// <remarks>Sizes are read into locals once: the geometry's output sizes are computed on every read.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Gather(ReadOnlySpan<byte> image, in Conv2dGeometry g, byte zeroPoint, Span<byte> columns)
    {
        int depth = g.ColumnRows, kp = GemmInt8.PaddedDepth(depth), outHeight = g.OutHeight, outWidth = g.OutWidth;
        int channels = g.InChannels, height = g.InHeight, width = g.InWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        int strideH = g.StrideHeight, strideW = g.StrideWidth, padH = g.PaddingHeight, padW = g.PaddingWidth;
        int dilationH = g.DilationHeight, dilationW = g.DilationWidth, plane = height * width;
        // Both buffers carry 8 spare bytes for the 8-byte moves of short kernel rows.
        if (image.Length < channels * plane + sizeof(ulong) || columns.Length < outHeight * outWidth * kp + sizeof(ulong))
            throw new ArgumentException("The image or column buffer is too short for the geometry (plus 8 spare bytes).");
        // Kernel row by kernel row (channel, ky) for all pixels of an output row: the inner loop over pixels is one
        // strided move each, and tap groups are written in increasing offset within every pixel's row.
        // Pixels interiorStart..interiorEnd-1 have their whole kernel row inside the image: left ≥ 0, left + reach ≤ width.
        int reach = (kw - 1) * dilationW + 1, lastLeft = width + padW - reach;
        int interiorStart = Math.Min(outWidth, (padW + strideW - 1) / strideW);
        int interiorEnd = Math.Max(interiorStart, lastLeft < 0 ? 0 : Math.Min(outWidth, lastLeft / strideW + 1));
        fixed (byte* source = image, target = columns)
        {
            for (int oy = 0; oy < outHeight; oy++)
            {
                byte* rows = target + (nint)oy * outWidth * kp;
                int top = oy * strideH - padH;
                for (int c = 0; c < channels; c++)
                {
                    byte* channel = source + (nint)c * plane;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int offset = (c * kh + ky) * kw, iy = top + ky * dilationH;
                        if ((uint)iy >= (uint)height)
                        {
                            for (int pixel = 0; pixel < outWidth; pixel++)
                                for (int kx = 0; kx < kw; kx++) rows[(nint)pixel * kp + offset + kx] = zeroPoint;
                            continue;
                        }
                        byte* line = channel + (nint)iy * width;
                        int ox = 0;
                        // One 8-byte move per pixel where dilation is 1 and the kernel row lies inside the image: the
                        // bytes past kw land where a later tap group or the zeroed tail of the same row is written
                        // (never in the next row: offset + 8 ≤ kp), and the image buffer has 8 spare bytes.
                        if (dilationW == 1 && kw <= sizeof(ulong) && offset + sizeof(ulong) <= kp)
                        {
                            for (; ox < interiorStart; ox++) GatherEdge(rows + (nint)ox * kp + offset, line, ox * strideW - padW, kw, dilationW, width, zeroPoint);
                            byte* from = line + interiorStart * strideW - padW, to = rows + (nint)interiorStart * kp + offset;
                            for (; ox < interiorEnd; ox++, from += strideW, to += kp) Unsafe.WriteUnaligned(to, Unsafe.ReadUnaligned<ulong>(from));
                        }
                        for (; ox < outWidth; ox++) GatherEdge(rows + (nint)ox * kp + offset, line, ox * strideW - padW, kw, dilationW, width, zeroPoint);
                    }
                }
            }
            for (nint r = 0, count = (nint)outHeight * outWidth; r < count; r++)
                for (int p = depth; p < kp; p++) target[r * kp + p] = 0;
        }
    }

    /// <summary>One kernel row tap by tap: taps outside the image read the zero point.</summary>
    private static unsafe void GatherEdge(byte* taps, byte* line, int left, int kw, int dilation, int width, byte zeroPoint)
    {
        for (int kx = 0, ix = left; kx < kw; kx++, ix += dilation)
            taps[kx] = (uint)ix < (uint)width ? line[ix] : zeroPoint;
    }

    /// <summary>[pixels, channels] to [channels, pixels]: the GEMM's pixel rows to the NCHW image.</summary>
    internal static unsafe void Transpose(ReadOnlySpan<float> source, int pixels, int channels, Span<float> target)
    {
        if (source.Length < pixels * channels || target.Length < pixels * channels)
            throw new ArgumentException("A span is shorter than pixels · channels.");
        fixed (float* from = source, to = target)
        {
            for (int j = 0; j < channels; j++)
            {
                float* plane = to + (nint)j * pixels, column = from + j;
                for (int i = 0; i < pixels; i++) plane[i] = column[(nint)i * channels];
            }
        }
    }
}
