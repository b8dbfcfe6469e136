using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;

namespace ModelGen.Kernels;

/// <summary>
/// The sizes of one 2-D transposed convolution, as PyTorch's <c>nn.ConvTranspose2d</c> takes them, with the output
/// size and the kernels' workspace worked out from them. Input [N, InChannels, InHeight, InWidth], weight
/// [InChannels, OutChannels / Groups, KernelHeight, KernelWidth], output [N, OutChannels, OutHeight, OutWidth].
/// </summary>
/// <remarks>
/// The constructor validates the sizes (PyTorch's rules, including output padding below the stride or the
/// dilation). The derived sizes are computed on each read, so a copy made with <c>with</c> stays consistent.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct ConvTranspose2dGeometry(int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth,
    int OutputPaddingHeight, int OutputPaddingWidth, int DilationHeight, int DilationWidth, int Groups)
{
    // A field initialiser is the only code a positional record struct runs at construction.
    private readonly bool _validated = Validate(InChannels, InHeight, InWidth, OutChannels, KernelHeight, KernelWidth,
        StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, OutputPaddingHeight, OutputPaddingWidth,
        DilationHeight, DilationWidth, Groups);

    /// <summary>(InHeight − 1)·StrideHeight − 2·PaddingHeight + DilationHeight·(KernelHeight − 1) + OutputPaddingHeight + 1.</summary>
    public int OutHeight => OutputSize(InHeight, KernelHeight, StrideHeight, PaddingHeight, OutputPaddingHeight, DilationHeight);

    /// <summary>(InWidth − 1)·StrideWidth − 2·PaddingWidth + DilationWidth·(KernelWidth − 1) + OutputPaddingWidth + 1.</summary>
    public int OutWidth => OutputSize(InWidth, KernelWidth, StrideWidth, PaddingWidth, OutputPaddingWidth, DilationWidth);

    /// <summary>Input channels in each group: InChannels / Groups.</summary>
    public int InChannelsPerGroup => InChannels / Groups;

    /// <summary>Output channels in each group: OutChannels / Groups.</summary>
    public int OutChannelsPerGroup => OutChannels / Groups;

    /// <summary>Elements of the weight: InChannels · OutChannelsPerGroup · KernelHeight · KernelWidth.</summary>
    public int WeightLength => InChannels * ColumnRows;

    /// <summary>Elements of one input image: InChannels · InHeight · InWidth.</summary>
    public int InputImageLength => InChannels * InHeight * InWidth;

    /// <summary>Elements of one output image: OutChannels · OutHeight · OutWidth.</summary>
    public int OutputImageLength => OutChannels * OutHeight * OutWidth;

    /// <summary>
    /// True for a 1×1 kernel with stride 1 and no padding or output padding: the output has the input's size and
    /// the GEMM writes it directly, so the kernels need no workspace.
    /// </summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1
        && PaddingHeight == 0 && PaddingWidth == 0 && OutputPaddingHeight == 0 && OutputPaddingWidth == 0;

    /// <summary>
    /// Elements of workspace each kernel call needs, whatever the batch: the column matrix of one image and one
    /// group, [OutChannelsPerGroup · KernelHeight · KernelWidth, InHeight · InWidth]; 0 when <see cref="IsPointwise"/>.
    /// </summary>
    public int WorkspaceSize => IsPointwise ? 0 : ColumnRows * InHeight * InWidth;

    /// <summary>Rows of the column matrix, and the GEMM depth: OutChannelsPerGroup · KernelHeight · KernelWidth.</summary>
    internal int ColumnRows => OutChannelsPerGroup * KernelHeight * KernelWidth;

    private static int OutputSize(int size, int kernel, int stride, int padding, int outputPadding, int dilation) =>
        (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;

    private static bool Validate(int inChannels, int inHeight, int inWidth, int outChannels, int kernelHeight,
        int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int outputPaddingHeight,
        int outputPaddingWidth, int dilationHeight, int dilationWidth, int groups)
    {
        RequirePositive(inChannels, nameof(InChannels));
        RequirePositive(inHeight, nameof(InHeight));
        RequirePositive(inWidth, nameof(InWidth));
        RequirePositive(outChannels, nameof(OutChannels));
        RequirePositive(kernelHeight, nameof(KernelHeight));
        RequirePositive(kernelWidth, nameof(KernelWidth));
        RequirePositive(strideHeight, nameof(StrideHeight));
        RequirePositive(strideWidth, nameof(StrideWidth));
        RequirePositive(dilationHeight, nameof(DilationHeight));
        RequirePositive(dilationWidth, nameof(DilationWidth));
        RequirePositive(groups, nameof(Groups));
        if (paddingHeight < 0 || paddingWidth < 0 || outputPaddingHeight < 0 || outputPaddingWidth < 0)
        {
            throw new ArgumentException(
                $"ConvTranspose2d padding and output padding must not be negative; got {paddingHeight}×{paddingWidth} and {outputPaddingHeight}×{outputPaddingWidth}.");
        }
        // PyTorch's rule: output padding only picks among the sizes a strided (or dilated) convolution maps to one.
        if ((outputPaddingHeight >= strideHeight && outputPaddingHeight >= dilationHeight)
            || (outputPaddingWidth >= strideWidth && outputPaddingWidth >= dilationWidth))
        {
            throw new ArgumentException(
                $"ConvTranspose2d output padding {outputPaddingHeight}×{outputPaddingWidth} must be smaller than either the stride " +
                $"{strideHeight}×{strideWidth} or the dilation {dilationHeight}×{dilationWidth}.");
        }
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException(
                $"ConvTranspose2d needs InChannels ({inChannels}) and OutChannels ({outChannels}) divisible by Groups ({groups}).");
        }
        long outHeight = (inHeight - 1L) * strideHeight - 2L * paddingHeight + (long)dilationHeight * (kernelHeight - 1) + outputPaddingHeight + 1;
        long outWidth = (inWidth - 1L) * strideWidth - 2L * paddingWidth + (long)dilationWidth * (kernelWidth - 1) + outputPaddingWidth + 1;
        if (outHeight < 1 || outWidth < 1)
        {
            throw new ArgumentException(
                $"ConvTranspose2d output would be empty: the input {inHeight}×{inWidth} gives {outHeight}×{outWidth} " +
                $"after removing padding {paddingHeight}×{paddingWidth} on every side.");
        }
        long columns = (long)outChannels / groups * kernelHeight * kernelWidth * inHeight * inWidth;
        if (columns > Array.MaxLength || (long)outChannels * outHeight * outWidth > Array.MaxLength
            || (long)inChannels * inHeight * inWidth > Array.MaxLength)
        {
            throw new ArgumentException("ConvTranspose2d sizes are too large: a buffer would exceed the largest array.");
        }
        return true;
    }

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"ConvTranspose2d {name} must be positive; got {value}.", name);
    }
}

// 2-D transposed convolution: the adjoint of Conv2d with the roles of input and output swapped. Per image and
// group, the forward is a GEMM Wᵀ·x into a column matrix [OutChannelsPerGroup·KH·KW, InH·InW] scattered onto the
// output (col2im); the input gradient gathers dY into columns (im2col) and multiplies by W; the weight gradient
// multiplies x by those columns transposed. No kernel allocates; every output span is overwritten.
public static partial class Convolution
{
    /// <summary>
    /// output[N, OutChannels, OutH, OutW] = convT(input[N, InChannels, H, W], weight[InChannels, OutChannels/Groups, KH, KW])
    /// + bias[OutChannels]; pass an empty bias for none.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need, or the bias has the wrong length.</exception>
    public static void ConvTranspose2dForward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> output, int batch, in ConvTranspose2dGeometry g, Span<T> workspace) where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, input.Length, weight.Length, output.Length, workspace.Length, "input", "output");
        if (!bias.IsEmpty && bias.Length != g.OutChannels)
        {
            throw new ArgumentException($"ConvTranspose2d bias has {bias.Length} elements; expected {g.OutChannels} (or none).", nameof(bias));
        }
        int depth = g.ColumnRows, pixels = g.InHeight * g.InWidth, outPixels = g.OutHeight * g.OutWidth;
        int groupIn = g.InChannelsPerGroup, groupOut = g.OutChannelsPerGroup * outPixels;
        Span<T> columns = workspace[..g.WorkspaceSize];
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<T> image = input.Slice(n * g.InputImageLength, g.InputImageLength);
            Span<T> result = output.Slice(n * g.OutputImageLength, g.OutputImageLength);
            // Start from the bias (per channel, along rows) or zero: the scatter and the pointwise GEMM add onto it.
            if (bias.IsEmpty) result.Clear();
            for (int c = 0; c < bias.Length; c++) result.Slice(c * outPixels, outPixels).Fill(bias[c]);
            for (int group = 0; group < g.Groups; group++)
            {
                ReadOnlySpan<T> weights = weight.Slice(group * groupIn * depth, groupIn * depth);
                ReadOnlySpan<T> x = image.Slice(group * groupIn * pixels, groupIn * pixels);
                Span<T> target = result.Slice(group * groupOut, groupOut);
                // cols [depth, pixels] = W_gᵀ [depth, in/groups] · x_g [in/groups, pixels]; pointwise cols is Y_g itself.
                MatrixMultiply.Multiply<T>(depth, pixels, groupIn, weights, depth, true, x, pixels, false,
                    g.IsPointwise ? target : columns, pixels, accumulate: g.IsPointwise);
                if (!g.IsPointwise) ScatterColumns(columns, target, in g);
            }
        }
    }

    /// <summary>dInput = the gradient with respect to the input (overwritten): a Conv2d of dOutput by the weight.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void ConvTranspose2dBackwardInput<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> weight, Span<T> dInput,
        int batch, in ConvTranspose2dGeometry g, Span<T> workspace) where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, dInput.Length, weight.Length, dOutput.Length, workspace.Length, nameof(dInput), nameof(dOutput));
        int depth = g.ColumnRows, pixels = g.InHeight * g.InWidth, outPixels = g.OutHeight * g.OutWidth;
        int groupIn = g.InChannelsPerGroup, groupOut = g.OutChannelsPerGroup * outPixels;
        Span<T> columns = workspace[..g.WorkspaceSize];
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<T> gradient = dOutput.Slice(n * g.OutputImageLength, g.OutputImageLength);
            Span<T> image = dInput.Slice(n * g.InputImageLength, g.InputImageLength);
            for (int group = 0; group < g.Groups; group++)
            {
                ReadOnlySpan<T> operand = gradient.Slice(group * groupOut, groupOut);
                if (!g.IsPointwise)
                {
                    GatherColumns(operand, columns, in g);
                    operand = columns;
                }
                // dX_g [in/groups, pixels] = W_g [in/groups, depth] · cols [depth, pixels].
                MatrixMultiply.Multiply<T>(groupIn, pixels, depth,
                    weight.Slice(group * groupIn * depth, groupIn * depth), depth, false,
                    operand, pixels, false,
                    image.Slice(group * groupIn * pixels, groupIn * pixels), pixels);
            }
        }
    }

    /// <summary>dWeight = the gradient with respect to the weight summed over the batch (overwritten).</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void ConvTranspose2dBackwardWeight<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> input, Span<T> dWeight,
        int batch, in ConvTranspose2dGeometry g, Span<T> workspace) where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, input.Length, dWeight.Length, dOutput.Length, workspace.Length, nameof(input), nameof(dOutput));
        if (batch == 0) dWeight[..g.WeightLength].Clear();
        int depth = g.ColumnRows, pixels = g.InHeight * g.InWidth, outPixels = g.OutHeight * g.OutWidth;
        int groupIn = g.InChannelsPerGroup, groupOut = g.OutChannelsPerGroup * outPixels;
        Span<T> columns = workspace[..g.WorkspaceSize];
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<T> gradient = dOutput.Slice(n * g.OutputImageLength, g.OutputImageLength);
            ReadOnlySpan<T> image = input.Slice(n * g.InputImageLength, g.InputImageLength);
            for (int group = 0; group < g.Groups; group++)
            {
                ReadOnlySpan<T> operand = gradient.Slice(group * groupOut, groupOut);
                if (!g.IsPointwise)
                {
                    GatherColumns(operand, columns, in g);
                    operand = columns;
                }
                // dW_g [in/groups, depth] (+)= x_g [in/groups, pixels] · colsᵀ [pixels, depth]; the first image overwrites.
                MatrixMultiply.Multiply<T>(groupIn, depth, pixels,
                    image.Slice(group * groupIn * pixels, groupIn * pixels), pixels, false,
                    operand, pixels, true,
                    dWeight.Slice(group * groupIn * depth, groupIn * depth), depth, accumulate: n > 0);
            }
        }
    }

    /// <summary>dBias[c] = the sum of dOutput[n, c, h, w] over n, h and w (overwritten).</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void ConvTranspose2dBackwardBias<T>(ReadOnlySpan<T> dOutput, Span<T> dBias, int batch, in ConvTranspose2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        CheckTransposeLength(dOutput.Length, (long)batch * g.OutputImageLength, nameof(dOutput));
        CheckTransposeLength(dBias.Length, g.OutChannels, nameof(dBias));
        SumPerChannel(dOutput, dBias, batch, g.OutChannels, g.OutHeight * g.OutWidth);
    }

    /// <summary>
    /// Adds column row (c, kh, kw), entry (ih, iw), onto output[c, ih·s − p + kh·d, iw·s − p + kw·d] where that lies
    /// inside the output of one group: Conv2d's col2im with the input grid as the window positions.
    /// </summary>
    private static void ScatterColumns<T>(ReadOnlySpan<T> columns, Span<T> image, in ConvTranspose2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        int height = g.OutHeight, width = g.OutWidth, gridHeight = g.InHeight, gridWidth = g.InWidth;
        int pixels = gridHeight * gridWidth, stride = g.StrideWidth, row = 0;
        for (int c = 0; c < g.OutChannelsPerGroup; c++)
        {
            Span<T> channel = image.Slice(c * height * width, height * width);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowOffset = kh * g.DilationHeight - g.PaddingHeight;
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    int columnOffset = kw * g.DilationWidth - g.PaddingWidth;
                    var (first, end) = InsideRange(columnOffset, stride, width, gridWidth);
                    if (first >= end) continue;
                    ReadOnlySpan<T> source = columns.Slice(row * pixels, pixels);
                    for (int ih = 0; ih < gridHeight; ih++)
                    {
                        int oh = ih * g.StrideHeight + rowOffset;
                        if ((uint)oh >= (uint)height) continue;
                        ReadOnlySpan<T> line = source.Slice(ih * gridWidth, gridWidth);
                        Span<T> target = channel.Slice(oh * width, width);
                        if (stride == 1)
                        {
                            Span<T> run = target.Slice(first + columnOffset, end - first);
                            TensorPrimitives.Add(run, line[first..end], run);
                        }
                        else
                        {
                            for (int iw = first; iw < end; iw++) target[iw * stride + columnOffset] += line[iw];
                        }
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="ScatterColumns"/>: reads each column entry from the output position it scatters to (0 outside).</summary>
    private static void GatherColumns<T>(ReadOnlySpan<T> image, Span<T> columns, in ConvTranspose2dGeometry g) where T : IFloatingPointIeee754<T>
    {
        int height = g.OutHeight, width = g.OutWidth, gridHeight = g.InHeight, gridWidth = g.InWidth;
        int pixels = gridHeight * gridWidth, stride = g.StrideWidth, row = 0;
        for (int c = 0; c < g.OutChannelsPerGroup; c++)
        {
            ReadOnlySpan<T> channel = image.Slice(c * height * width, height * width);
            for (int kh = 0; kh < g.KernelHeight; kh++)
            {
                int rowOffset = kh * g.DilationHeight - g.PaddingHeight;
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    int columnOffset = kw * g.DilationWidth - g.PaddingWidth;
                    var (first, end) = InsideRange(columnOffset, stride, width, gridWidth);
                    Span<T> destination = columns.Slice(row * pixels, pixels);
                    for (int ih = 0; ih < gridHeight; ih++)
                    {
                        Span<T> line = destination.Slice(ih * gridWidth, gridWidth);
                        int oh = ih * g.StrideHeight + rowOffset;
                        if ((uint)oh >= (uint)height)
                        {
                            line.Clear();
                            continue;
                        }
                        ReadOnlySpan<T> source = channel.Slice(oh * width, width);
                        line[..first].Clear();
                        line[end..].Clear();
                        if (stride == 1)
                        {
                            source.Slice(first + columnOffset, end - first).CopyTo(line[first..end]);
                        }
                        else
                        {
                            for (int iw = first; iw < end; iw++) line[iw] = source[iw * stride + columnOffset];
                        }
                    }
                }
            }
        }
    }

    private static void CheckSpans(in ConvTranspose2dGeometry g, int batch, int inputLength, int weightLength, int outputLength,
        int workspaceLength, string inputName, string outputName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        CheckTransposeLength(inputLength, (long)batch * g.InputImageLength, inputName);
        CheckTransposeLength(weightLength, g.WeightLength, "weight");
        CheckTransposeLength(outputLength, (long)batch * g.OutputImageLength, outputName);
        CheckTransposeLength(workspaceLength, g.WorkspaceSize, "workspace");
    }

    private static void CheckTransposeLength(int actual, long required, string name)
    {
        if (actual < required)
        {
            throw new ArgumentException($"ConvTranspose2d {name} has {actual} elements; the geometry and batch need {required}.", name);
        }
    }
}
