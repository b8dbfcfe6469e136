using System.ComponentModel;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels;

/// <summary>
/// The sizes of one 2-D convolution, as PyTorch's <c>nn.Conv2d</c> takes them, with the output size and the
/// kernels' workspace worked out from them. Input [N, InChannels, InHeight, InWidth], weight
/// [OutChannels, InChannels / Groups, KernelHeight, KernelWidth], output [N, OutChannels, OutHeight, OutWidth].
/// </summary>
/// <remarks>
/// The constructor validates the sizes. The derived sizes are computed on each read, so a copy made with
/// <c>with</c> stays consistent (though it is not validated again).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct Conv2dGeometry(int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth,
    int DilationHeight, int DilationWidth, int Groups)
{
    // A field initialiser is the only code a positional record struct runs at construction.
    private readonly bool _validated = Validate(InChannels, InHeight, InWidth, OutChannels, KernelHeight, KernelWidth,
        StrideHeight, StrideWidth, PaddingHeight, PaddingWidth, DilationHeight, DilationWidth, Groups);

    /// <summary>(InHeight + 2·PaddingHeight − DilationHeight·(KernelHeight − 1) − 1) / StrideHeight + 1, rounded down.</summary>
    public int OutHeight => OutputSize(InHeight, KernelHeight, StrideHeight, PaddingHeight, DilationHeight);

    /// <summary>(InWidth + 2·PaddingWidth − DilationWidth·(KernelWidth − 1) − 1) / StrideWidth + 1, rounded down.</summary>
    public int OutWidth => OutputSize(InWidth, KernelWidth, StrideWidth, PaddingWidth, DilationWidth);

    /// <summary>Input channels seen by each output channel: InChannels / Groups.</summary>
    public int InChannelsPerGroup => InChannels / Groups;

    /// <summary>Output channels produced by each group: OutChannels / Groups.</summary>
    public int OutChannelsPerGroup => OutChannels / Groups;

    /// <summary>Elements of the weight: OutChannels · InChannelsPerGroup · KernelHeight · KernelWidth.</summary>
    public int WeightLength => OutChannels * ColumnRows;

    /// <summary>Elements of one input image: InChannels · InHeight · InWidth.</summary>
    public int InputImageLength => InChannels * InHeight * InWidth;

    /// <summary>Elements of one output image: OutChannels · OutHeight · OutWidth.</summary>
    public int OutputImageLength => OutChannels * OutHeight * OutWidth;

    /// <summary>
    /// True for a 1×1 kernel with stride 1 and no padding: the input image is already the GEMM operand, so the
    /// kernels skip im2col and need no workspace.
    /// </summary>
    public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && StrideHeight == 1 && StrideWidth == 1
        && PaddingHeight == 0 && PaddingWidth == 0;

    /// <summary>
    /// Elements of workspace each kernel call needs, whatever the batch: the im2col matrix of one image and one
    /// group, [InChannelsPerGroup · KernelHeight · KernelWidth, OutHeight · OutWidth]; 0 when <see cref="IsPointwise"/>.
    /// </summary>
    public int WorkspaceSize => IsPointwise ? 0 : ColumnRows * OutHeight * OutWidth;

    /// <summary>Rows of the im2col matrix, and the GEMM depth: InChannelsPerGroup · KernelHeight · KernelWidth.</summary>
    internal int ColumnRows => InChannelsPerGroup * KernelHeight * KernelWidth;

    private static int OutputSize(int size, int kernel, int stride, int padding, int dilation) =>
        (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;

    private static bool Validate(int inChannels, int inHeight, int inWidth, int outChannels, int kernelHeight,
        int kernelWidth, int strideHeight, int strideWidth, int paddingHeight, int paddingWidth, int dilationHeight,
        int dilationWidth, int groups)
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
        if (paddingHeight < 0 || paddingWidth < 0)
        {
            throw new ArgumentException($"Conv2d padding must not be negative; got {paddingHeight}×{paddingWidth}.");
        }
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException(
                $"Conv2d needs InChannels ({inChannels}) and OutChannels ({outChannels}) divisible by Groups ({groups}).");
        }
        long spanHeight = (long)dilationHeight * (kernelHeight - 1) + 1, spanWidth = (long)dilationWidth * (kernelWidth - 1) + 1;
        long paddedHeight = inHeight + 2L * paddingHeight, paddedWidth = inWidth + 2L * paddingWidth;
        if (spanHeight > paddedHeight || spanWidth > paddedWidth)
        {
            throw new ArgumentException(
                $"Conv2d output would be empty: the input {inHeight}×{inWidth} padded by {paddingHeight}×{paddingWidth} " +
                $"is {paddedHeight}×{paddedWidth}, smaller than the kernel's reach {spanHeight}×{spanWidth} " +
                $"({kernelHeight}×{kernelWidth} with dilation {dilationHeight}×{dilationWidth}).");
        }
        long columns = (long)inChannels / groups * kernelHeight * kernelWidth
            * ((paddedHeight - spanHeight) / strideHeight + 1) * ((paddedWidth - spanWidth) / strideWidth + 1);
        if (columns > Array.MaxLength || (long)inChannels * inHeight * inWidth > Array.MaxLength)
        {
            throw new ArgumentException("Conv2d sizes are too large: a buffer would exceed the largest array.");
        }
        return true;
    }

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0) throw new ArgumentException($"Conv2d {name} must be positive; got {value}.", name);
    }
}

/// <summary>
/// 2-D convolution (cross-correlation, as PyTorch computes it) on contiguous NCHW tensors, forward and backward,
/// by im2col and GEMM per image and group. Float32 runs on <see cref="Gemm.Multiply"/>, float64 on plain loops; float32
/// shapes with few output channels take register-tile kernels instead (Convolution.Direct.cs), the forward and weight
/// gradient of most of them reading the input in place with no im2col matrix (Convolution.Gathered.cs, .Rows.cs).
/// </summary>
/// <remarks>
/// No kernel allocates once warm: each takes a workspace of at least <see cref="Conv2dGeometry.WorkspaceSize"/>
/// elements; the float32 weight gradient's partial sums and the GEMM worker's own im2col scratch are grow-only
/// buffers, allocated on a thread's first call. Float32 calls with enough work share their batch with the worker when
/// <see cref="Gemm.MaxThreads"/> ≥ 2, with bit-identical results. Every output span is overwritten, never accumulated into.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Convolution
{
    /// <summary>
    /// output[N, OutChannels, OutH, OutW] = conv(input[N, InChannels, H, W], weight[OutChannels, InChannels/Groups, KH, KW])
    /// + bias[OutChannels]; pass an empty bias for none. <paramref name="activation"/> is applied to each image's
    /// output as soon as it is complete, while it is still in cache (the fused epilogue of compiled code).
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need, or the bias has the wrong length.</exception>
    public static void Conv2dForward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> output, int batch, in Conv2dGeometry g, Span<T> workspace, Activation activation = Activation.None) where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, input.Length, weight.Length, output.Length, workspace.Length, "input", "output");
        if (!bias.IsEmpty && bias.Length != g.OutChannels)
        {
            throw new ArgumentException($"Conv2d bias has {bias.Length} elements; expected {g.OutChannels} (or none).", nameof(bias));
        }
        if (typeof(T) == typeof(float) && ShareImages(in g, batch))
        {
            ForwardShared(AsFloat(input), AsFloat(weight), AsFloat(bias), AsFloat(output), batch, in g, AsFloat(workspace), activation);
            return;
        }
        ForwardImages(input, weight, bias, output, batch, in g, workspace[..g.WorkspaceSize], activation);
    }

    /// <summary>The forward of <paramref name="batch"/> images on this thread, with <paramref name="columns"/> as its im2col scratch.</summary>
    private static void ForwardImages<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> output, int batch, in Conv2dGeometry g, Span<T> columns, Activation activation) where T : IFloatingPointIeee754<T>
    {
        if (UseGatheredForward<T>(in g))
        {
            ForwardGathered(AsFloat(input), AsFloat(weight), AsFloat(bias), AsFloat(output), batch, in g,
                AsFloat(columns), activation == Activation.Relu);
            return;
        }
        if (UseDirectForward<T>(in g))
        {
            ForwardDirect(AsFloat(input), AsFloat(weight), AsFloat(bias), AsFloat(output), batch, in g,
                AsFloat(columns), activation == Activation.Relu);
            return;
        }
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth, groupOut = g.OutChannelsPerGroup;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<T> image = input.Slice(n * g.InputImageLength, g.InputImageLength);
            Span<T> result = output.Slice(n * g.OutputImageLength, g.OutputImageLength);
            // The GEMM's bias runs along columns, but here it runs along rows (channels): start from it instead.
            for (int c = 0; c < bias.Length; c++) result.Slice(c * pixels, pixels).Fill(bias[c]);
            for (int group = 0; group < g.Groups; group++)
            {
                ReadOnlySpan<T> operand = image.Slice(group * groupIn, groupIn);
                if (!g.IsPointwise)
                {
                    Im2Col(operand, columns, in g);
                    operand = columns;
                }
                // Y_g [out/groups, pixels] (+)= W_g [out/groups, depth] · cols [depth, pixels].
                MatrixMultiply.Multiply<T>(groupOut, pixels, depth,
                    weight.Slice(group * groupOut * depth, groupOut * depth), depth, false,
                    operand, pixels, false,
                    result.Slice(group * groupOut * pixels, groupOut * pixels), pixels, accumulate: !bias.IsEmpty);
            }
            if (activation == Activation.Relu) ReluInPlace(result);
        }
    }

    /// <summary>max(x, 0) over one finished output image: the ReLU epilogue.</summary>
    private static void ReluInPlace<T>(Span<T> values) where T : IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            Span<float> floats = AsFloat(values);
            int i = 0;
            for (; i + Vector256<float>.Count <= floats.Length; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.Create<float>(floats.Slice(i));
                Vector256.Max(v, Vector256<float>.Zero).CopyTo(floats.Slice(i));
            }
            for (; i < floats.Length; i++) floats[i] = MathF.Max(floats[i], 0f);
            return;
        }
        for (int i = 0; i < values.Length; i++) values[i] = T.Max(values[i], T.Zero);
    }

    /// <summary>dInput = the gradient with respect to the input (overwritten) from dOutput and the weight.</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void Conv2dBackwardInput<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> weight, Span<T> dInput,
        int batch, in Conv2dGeometry g, Span<T> workspace) where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, dInput.Length, weight.Length, dOutput.Length, workspace.Length, nameof(dInput), nameof(dOutput));
        if (typeof(T) == typeof(float) && ShareImages(in g, batch))
        {
            BackwardInputShared(AsFloat(dOutput), AsFloat(weight), AsFloat(dInput), batch, in g, AsFloat(workspace));
            return;
        }
        BackwardInputImages(dOutput, weight, dInput, batch, in g, workspace[..g.WorkspaceSize]);
    }

    /// <summary>The input gradient of <paramref name="batch"/> images on this thread, with <paramref name="columns"/> as its scratch.</summary>
    private static void BackwardInputImages<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> weight, Span<T> dInput,
        int batch, in Conv2dGeometry g, Span<T> columns) where T : IFloatingPointIeee754<T>
    {
        if (UseDirectBackwardInput<T>(in g))
        {
            BackwardInputDirect(AsFloat(dOutput), AsFloat(weight), AsFloat(dInput), batch, in g, AsFloat(columns));
            return;
        }
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth, groupOut = g.OutChannelsPerGroup;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<T> gradient = dOutput.Slice(n * g.OutputImageLength, g.OutputImageLength);
            Span<T> image = dInput.Slice(n * g.InputImageLength, g.InputImageLength);
            for (int group = 0; group < g.Groups; group++)
            {
                Span<T> target = image.Slice(group * groupIn, groupIn);
                // dCols [depth, pixels] = W_gᵀ [depth, out/groups] · dY_g [out/groups, pixels]; pointwise dCols is dX.
                Span<T> product = g.IsPointwise ? target : columns;
                MatrixMultiply.Multiply<T>(depth, pixels, groupOut,
                    weight.Slice(group * groupOut * depth, groupOut * depth), depth, true,
                    gradient.Slice(group * groupOut * pixels, groupOut * pixels), pixels, false,
                    product, pixels);
                if (!g.IsPointwise)
                {
                    target.Clear();
                    Col2ImAdd(columns, target, in g);
                }
            }
        }
    }

    /// <summary>dWeight = the gradient with respect to the weight summed over the batch (overwritten).</summary>
    /// <remarks>
    /// Float32 sums the batch in up to four fixed parts of consecutive images (each part image by image, then the
    /// parts in order), whether one thread or two run them: the result does not depend on
    /// <see cref="Gemm.MaxThreads"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void Conv2dBackwardWeight<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> input, Span<T> dWeight,
        int batch, in Conv2dGeometry g, Span<T> workspace) where T : IFloatingPointIeee754<T>
    {
        CheckSpans(in g, batch, input.Length, dWeight.Length, dOutput.Length, workspace.Length, nameof(input), nameof(dOutput));
        if (batch == 0)
        {
            dWeight[..g.WeightLength].Clear();
            return;
        }
        if (typeof(T) == typeof(float))
        {
            BackwardWeightInParts(AsFloat(dOutput), AsFloat(input), AsFloat(dWeight), batch, in g, AsFloat(workspace));
            return;
        }
        BackwardWeightImages(dOutput, input, dWeight, batch, in g, workspace[..g.WorkspaceSize]);
    }

    /// <summary>The weight gradient of <paramref name="batch"/> (≥ 1) images on this thread, overwriting dWeight.</summary>
    private static void BackwardWeightImages<T>(ReadOnlySpan<T> dOutput, ReadOnlySpan<T> input, Span<T> dWeight,
        int batch, in Conv2dGeometry g, Span<T> columns) where T : IFloatingPointIeee754<T>
    {
        if (UseGatheredBackwardWeight<T>(in g))
        {
            BackwardWeightGathered(AsFloat(dOutput), AsFloat(input), AsFloat(dWeight), batch, in g, AsFloat(columns));
            return;
        }
        if (UseRowsBackwardWeight<T>(in g))
        {
            BackwardWeightRows(AsFloat(dOutput), AsFloat(input), AsFloat(dWeight), batch, in g, AsFloat(columns));
            return;
        }
        if (UseDirectBackwardWeight<T>(in g))
        {
            BackwardWeightDirect(AsFloat(dOutput), AsFloat(input), AsFloat(dWeight), batch, in g, AsFloat(columns));
            return;
        }
        int depth = g.ColumnRows, pixels = g.OutHeight * g.OutWidth;
        int groupIn = g.InChannelsPerGroup * g.InHeight * g.InWidth, groupOut = g.OutChannelsPerGroup;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<T> gradient = dOutput.Slice(n * g.OutputImageLength, g.OutputImageLength);
            ReadOnlySpan<T> image = input.Slice(n * g.InputImageLength, g.InputImageLength);
            for (int group = 0; group < g.Groups; group++)
            {
                ReadOnlySpan<T> operand = image.Slice(group * groupIn, groupIn);
                if (!g.IsPointwise)
                {
                    Im2Col(operand, columns, in g);
                    operand = columns;
                }
                // dW_g [out/groups, depth] (+)= dY_g [out/groups, pixels] · colsᵀ [pixels, depth]; the first image overwrites.
                MatrixMultiply.Multiply<T>(groupOut, depth, pixels,
                    gradient.Slice(group * groupOut * pixels, groupOut * pixels), pixels, false,
                    operand, pixels, true,
                    dWeight.Slice(group * groupOut * depth, groupOut * depth), depth, accumulate: n > 0);
            }
        }
    }

    /// <summary>dBias[c] = the sum of dOutput[n, c, h, w] over n, h and w (overwritten).</summary>
    /// <exception cref="ArgumentException">A span is shorter than the geometry and batch need.</exception>
    public static void Conv2dBackwardBias<T>(ReadOnlySpan<T> dOutput, Span<T> dBias, int batch, in Conv2dGeometry g)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        CheckLength(dOutput.Length, (long)batch * g.OutputImageLength, nameof(dOutput));
        CheckLength(dBias.Length, g.OutChannels, nameof(dBias));
        SumPerChannel(dOutput, dBias, batch, g.OutChannels, g.OutHeight * g.OutWidth);
    }

    /// <summary>
    /// sums[c] = the sum over images and pixels of channel c of NCHW <paramref name="values"/>: the bias gradient of
    /// every convolution, plain or transposed.
    /// </summary>
    private static void SumPerChannel<T>(ReadOnlySpan<T> values, Span<T> sums, int batch, int channels, int pixels)
        where T : IFloatingPointIeee754<T>
    {
        int image = channels * pixels;
        for (int c = 0; c < channels; c++)
        {
            T sum = T.Zero;
            for (int n = 0; n < batch; n++) sum += TensorPrimitives.Sum(values.Slice(n * image + c * pixels, pixels));
            sums[c] = sum;
        }
    }

    private static void CheckSpans(in Conv2dGeometry g, int batch, int inputLength, int weightLength, int outputLength,
        int workspaceLength, string inputName, string outputName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        CheckLength(inputLength, (long)batch * g.InputImageLength, inputName);
        CheckLength(weightLength, g.WeightLength, "weight");
        CheckLength(outputLength, (long)batch * g.OutputImageLength, outputName);
        CheckLength(workspaceLength, g.WorkspaceSize, "workspace");
    }

    private static void CheckLength(int actual, long required, string name)
    {
        if (actual < required)
        {
            throw new ArgumentException($"Conv2d {name} has {actual} elements; the geometry and batch need {required}.", name);
        }
    }
}
