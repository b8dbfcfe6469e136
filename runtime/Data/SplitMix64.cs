namespace ModelGen.Data;

/// <summary>
/// Sebastiano Vigna's SplitMix64: a tiny, fast generator whose output is fixed by its published algorithm, so
/// shuffles and synthetic data are the same on every platform and every .NET version (System.Random's algorithm
/// is an implementation detail that has changed before).
/// </summary>
internal struct SplitMix64
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15;
    private ulong _state;

    /// <summary>Starts the sequence at <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>
    /// A generator for one independent stream of a seeded family (one per epoch, one per sample). The stream number
    /// and the seed are both hashed, so neighbouring seeds and streams do not give overlapping sequences.
    /// </summary>
    public static SplitMix64 ForStream(int seed, ulong stream)
        => new(Mix(unchecked((ulong)(long)seed) ^ Mix(stream + GoldenGamma)));

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        _state = unchecked(_state + GoldenGamma);
        return Mix(_state);
    }

    /// <summary>A double uniform in [0, 1), from the top 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A double uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextDouble(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>An integer uniform in [0, <paramref name="bound"/>), without modulo bias (rejection sampling).</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be positive.");
        // The largest multiple of bound that fits: drawing below it makes every remainder equally likely.
        ulong limit = ulong.MaxValue - ulong.MaxValue % (ulong)bound;
        ulong draw;
        do draw = NextUInt64(); while (draw >= limit);
        return (int)(draw % (ulong)bound);
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates, from the last element down).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
