namespace ModelGen.Data;

/// <summary>
/// Splits the indices 0 … <see cref="Count"/> − 1 into batches of <see cref="BatchSize"/>, epoch after epoch, in a
/// shuffled or sequential order. The order of epoch <c>e</c> depends only on the seed and <c>e</c> (Fisher–Yates
/// driven by SplitMix64 seeded from both), so a run can be repeated, or resumed at any epoch, exactly.
/// </summary>
/// <remarks>
/// <para>
/// The sampler owns one index array and reorders it in place when <see cref="GetEpoch"/> is called; batches are
/// slices of that array, so iterating allocates nothing. A batch stays valid only until the next call to
/// <see cref="GetEpoch"/>: copy it if it must outlive the epoch. For the same reason one sampler serves one
/// training loop at a time; it is not thread-safe.
/// </para>
/// <example>
/// <code>
/// var sampler = new BatchSampler(data.Count, batchSize: 64, shuffle: true, seed: 1);
/// for (int epoch = 0; epoch &lt; 10; epoch++)
///     foreach (ReadOnlyMemory&lt;int&gt; batch in sampler.GetEpoch(epoch))
///         data.CopyBatch(batch.Span, features, labels);
/// </code>
/// </example>
/// </remarks>
public sealed class BatchSampler
{
    private readonly int[] _order;
    private readonly int _seed;

    /// <summary>
    /// A sampler over <paramref name="count"/> samples. With <paramref name="shuffle"/> each epoch visits them in a
    /// fresh random order drawn from <paramref name="seed"/>; without it, in index order. With
    /// <paramref name="dropLast"/> a final batch smaller than <paramref name="batchSize"/> is left out (as PyTorch's
    /// <c>drop_last</c>), so every batch has the same size.
    /// </summary>
    public BatchSampler(int count, int batchSize, bool shuffle, int seed = 0, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Count = count;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        _seed = seed;
        _order = new int[count];
        for (int i = 0; i < count; i++) _order[i] = i;
    }

    /// <summary>The number of samples an epoch draws from.</summary>
    public int Count { get; }

    /// <summary>The size of every batch but possibly the last.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a final, smaller batch is left out.</summary>
    public bool DropLast { get; }

    /// <summary>The number of batches in an epoch: <c>Count / BatchSize</c>, rounded down with <see cref="DropLast"/>, up without.</summary>
    public int BatchesPerEpoch => DropLast ? Count / BatchSize : (int)(((long)Count + BatchSize - 1) / BatchSize);

    /// <summary>
    /// Puts the indices in the order of epoch <paramref name="epoch"/> and returns its batches. Batches of an earlier
    /// call see the new order from then on.
    /// </summary>
    public EpochBatches GetEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (Shuffle)
        {
            // Starting from the identity each time makes the order a function of (seed, epoch), not of history.
            for (int i = 0; i < _order.Length; i++) _order[i] = i;
            SplitMix64.ForStream(_seed, (ulong)epoch).Shuffle(_order);
        }
        return new EpochBatches(_order, BatchSize, BatchesPerEpoch);
    }

    /// <summary>
    /// The batches of one epoch: enumerable with <c>foreach</c> without allocating, or addressable by number.
    /// </summary>
    public readonly struct EpochBatches
    {
        private readonly int[] _order;
        private readonly int _batchSize;

        internal EpochBatches(int[] order, int batchSize, int count)
        {
            _order = order;
            _batchSize = batchSize;
            Count = count;
        }

        /// <summary>The number of batches.</summary>
        public int Count { get; }

        /// <summary>The indices of batch <paramref name="batch"/>: <c>BatchSize</c> of them, fewer only for a final partial batch.</summary>
        public ReadOnlyMemory<int> this[int batch]
        {
            get
            {
                if ((uint)batch >= (uint)Count)
                    throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Batch {batch} is outside the {Count} batches of the epoch.");
                int start = batch * _batchSize;
                return new ReadOnlyMemory<int>(_order, start, Math.Min(_batchSize, _order.Length - start));
            }
        }

        /// <summary>An enumerator over the batches, in order.</summary>
        public Enumerator GetEnumerator() => new(this);

        /// <summary>Enumerates the batches of an epoch; a struct, so <c>foreach</c> allocates nothing.</summary>
        public struct Enumerator
        {
            private readonly EpochBatches _batches;
            private int _index;

            internal Enumerator(EpochBatches batches)
            {
                _batches = batches;
                _index = -1;
            }

            /// <summary>The current batch.</summary>
            public readonly ReadOnlyMemory<int> Current => _batches[_index];

            /// <summary>Advances to the next batch; false after the last.</summary>
            public bool MoveNext() => ++_index < _batches.Count;
        }
    }
}
