using System.ComponentModel;

namespace ModelGen.Kernels;

/// <summary>
/// A weight tensor's op(B) panels for <see cref="Gemm.MultiplyPacked"/>,
/// kept in step with the tensor: <see cref="Current"/> repacks whenever the tensor's <see cref="Tensor.Version"/>
/// has moved since the last pack. Generated <c>Forward</c> code holds one per weight it multiplies by (see
/// <see cref="CompileOptions.PrepackWeights"/>); it is not meant to be used directly.
/// </summary>
/// <remarks>
/// The panels can be stale only where the version counter is blind: a write through a span obtained before the
/// last pack (see <see cref="Tensor.Version"/>). Not thread-safe, like the compiled model that owns it.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PackedWeight
{
    private readonly Gemm.PackedB _packed;
    private readonly int _ld;
    private long _packedVersion;
    private bool _packedOnce;

    /// <summary>
    /// Holds <paramref name="weight"/> (float32, rank 2) as op(B) of an n-column, k-deep multiply; the first
    /// <see cref="Current"/> packs it, so a model compiled only to train never packs (nor allocates the panels).
    /// </summary>
    /// <param name="weight">B: [n, k] when <paramref name="transB"/> (a Linear layer's weight), else [k, n].</param>
    /// <param name="n">Columns of op(B).</param>
    /// <param name="k">Rows of op(B).</param>
    /// <param name="transB">Whether op(B) is the weight transposed.</param>
    /// <exception cref="ArgumentException">The weight is not a float32 matrix of that shape.</exception>
    public PackedWeight(Tensor weight, int n, int k, bool transB)
    {
        ArgumentNullException.ThrowIfNull(weight);
        int rows = transB ? n : k, columns = transB ? k : n;
        if (weight.DType != DType.Float32 || weight.Rank != 2 || weight.Size(0) != rows || weight.Size(1) != columns)
        {
            throw new ArgumentException(
                $"The weight must be a Float32 [{rows}, {columns}] matrix; it is {weight.DType} {Tensor.FormatShape(weight.ShapeSpan)}.",
                nameof(weight));
        }
        Weight = weight;
        _ld = columns;
        _packed = new Gemm.PackedB(n, k, transB);
    }

    /// <summary>The tensor whose values the panels hold.</summary>
    public Tensor Weight { get; }

    /// <summary>How many times the panels have been packed (the first pack, at the first Current, included): tests read it.</summary>
    public int PackCount { get; private set; }

    /// <summary>The panels of the weight's current values: repacked first if the weight changed since the last pack.</summary>
    public Gemm.PackedB Current()
    {
        // A forced GEMM path (tests) wants another layout: repack for it rather than fall back to packing per call.
        if (!_packedOnce || Weight.Version != _packedVersion || _packed.Path != Gemm.CurrentPath) Repack();
        return _packed;
    }

    private void Repack()
    {
        long version = Weight.Version; // read first: a write racing the pack then shows as a change next time
        _packed.Pack(Weight.AsReadOnlySpan(), _ld);
        _packedVersion = version;
        _packedOnce = true;
        PackCount++;
    }
}
