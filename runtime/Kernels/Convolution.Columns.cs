using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

// im2col and its adjoint col2im: between one group of one image, [C/groups, H, W], and the GEMM operand
// [C/groups · KH · KW, OutH · OutW], whose row (c, kh, kw) holds the input element each output pixel sees
// through kernel tap (kh, kw) of channel c (0 where that falls in the padding).
public static partial class Convolution
{
    /// <summary>Fills <paramref name="columns"/> (its first <see cref="Conv2dGeometry.WorkspaceSize"/> elements) from one group's image.</summary>
    private static void Im2Col<T>(ReadOnlySpan<T> image, Span<T> columns, in Conv2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        int height = g.InHeight, width = g.InWidth, outHeight = g.OutHeight, outWidth = g.OutWidth;
        int pixels = outHeight * outWidth, stride = g.StrideWidth, row = 0;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        {
            ReadOnlySpan<T> channel = image.Slice(c * height * width, height * width);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowOffset = kh * g.DilationHeight - g.PaddingHeight;
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    int columnOffset = kw * g.DilationWidth - g.PaddingWidth;
                    var (first, end) = InsideRange(columnOffset, stride, width, outWidth);
                    Span<T> destination = columns.Slice(row * pixels, pixels);
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        Span<T> line = destination.Slice(oh * outWidth, outWidth);
                        int ih = oh * g.StrideHeight + rowOffset;
                        if ((uint)ih >= (uint)height)
                        {
                            line.Clear();
                            continue;
                        }
                        ReadOnlySpan<T> source = channel.Slice(ih * width, width);
                        line[..first].Clear();
                        line[end..].Clear();
                        if (stride == 1)
                        {
                            source.Slice(first + columnOffset, end - first).CopyTo(line[first..end]);
                        }
                        else
                        {
                            for (int ow = first; ow < end; ow++) line[ow] = source[ow * stride + columnOffset];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Adds every element of <paramref name="columns"/> back onto the image element it was copied from by
    /// <see cref="Im2Col"/> (dropping those from the padding): the gradient of im2col.
    /// </summary>
    private static void Col2ImAdd<T>(ReadOnlySpan<T> columns, Span<T> image, in Conv2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        int height = g.InHeight, width = g.InWidth, outHeight = g.OutHeight, outWidth = g.OutWidth;
        int pixels = outHeight * outWidth, stride = g.StrideWidth, row = 0;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        {
            Span<T> channel = image.Slice(c * height * width, height * width);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowOffset = kh * g.DilationHeight - g.PaddingHeight;
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    int columnOffset = kw * g.DilationWidth - g.PaddingWidth;
                    var (first, end) = InsideRange(columnOffset, stride, width, outWidth);
                    if (first >= end) continue;
                    ReadOnlySpan<T> source = columns.Slice(row * pixels, pixels);
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        int ih = oh * g.StrideHeight + rowOffset;
                        if ((uint)ih >= (uint)height) continue;
                        ReadOnlySpan<T> line = source.Slice(oh * outWidth, outWidth);
                        Span<T> target = channel.Slice(ih * width, width);
                        if (stride == 1)
                        {
                            Span<T> run = target.Slice(first + columnOffset, end - first);
                            TensorPrimitives.Add(run, line[first..end], run);
                        }
                        else
                        {
                            for (int ow = first; ow < end; ow++) target[ow * stride + columnOffset] += line[ow];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The output columns [first, end) whose input column ow·stride + offset lies inside [0, width); the others
    /// read padding. first ≤ end always.
    /// </summary>
    private static (int First, int End) InsideRange(int offset, int stride, int width, int outWidth)
    {
        int first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = width - 1 - offset;
        int end = last < 0 ? 0 : Math.Min(outWidth, last / stride + 1);
        return (Math.Min(first, end), end);
    }
}
