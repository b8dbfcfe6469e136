using System.Numerics;

namespace ModelGen;

/// <summary>
/// A deterministic pseudo-random generator: xoshiro256** (Blackman and Vigna), its 256-bit state filled from
/// the seed by SplitMix64. The same seed gives the same stream on every machine and .NET version, which
/// <c>Initialize(seed)</c> relies on. Not thread-safe: give each thread its own.
/// </summary>
public sealed class Rng
{
    // PyTorch's default seed, so that "the global generator before anyone seeds it" is reproducible here too.
    private const ulong DefaultSeed = 67280421310721;

    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpareNormal;

    /// <summary>Creates a generator whose stream is fixed by <paramref name="seed"/>.</summary>
    public Rng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>Creates a generator whose stream is fixed by <paramref name="seed"/> (reinterpreted as unsigned).</summary>
    public Rng(long seed) : this(unchecked((ulong)seed))
    {
    }

    /// <summary>
    /// The process-wide generator that layer constructors draw their initial weights from, like PyTorch's
    /// global generator. It starts from a fixed seed, so a program that never seeds still runs reproducibly.
    /// Like every <see cref="Rng"/> it is not thread-safe: <see cref="Linear"/>'s constructor locks on it, and
    /// other code drawing from it on several threads should do the same.
    /// </summary>
    public static Rng Default { get; } = new(DefaultSeed);

    /// <summary>
    /// Restarts the stream as <c>new Rng(seed)</c> would, as PyTorch's <c>manual_seed</c>: seeding
    /// <see cref="Default"/> makes <see cref="Ops.RandnLike"/> draw the same values eagerly and in a compiled model.
    /// </summary>
    public void Reseed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        _hasSpareNormal = false;
    }

    /// <summary>Fills <paramref name="values"/> from N(0, 1), in order, as repeated <see cref="Normal"/> calls would.</summary>
    public void FillNormal(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)NextStandardNormal();
    }

    /// <summary>The next 64 uniformly random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A float uniformly distributed in [0, 1): the top 24 bits, so every value is a multiple of 2⁻²⁴.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>A double uniformly distributed in [0, 1): the top 53 bits, so every value is a multiple of 2⁻⁵³.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>An integer uniformly distributed in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxExclusive"/> is not positive.</exception>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        // Lemire's multiply-shift with rejection of the short final interval.
        ulong range = (ulong)maxExclusive;
        ulong threshold = (0UL - range) % range;
        while (true)
        {
            ulong high = Math.BigMul(NextUInt64(), range, out ulong low);
            if (low >= threshold) return (int)high;
        }
    }

    /// <summary>A float uniformly distributed in [<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="hi"/> is less than <paramref name="lo"/>.</exception>
    public float Uniform(float lo, float hi)
    {
        if (!(hi >= lo)) throw new ArgumentOutOfRangeException(nameof(hi), hi, $"The upper bound must be at least the lower bound {lo}.");
        float value = (float)(lo + (hi - (double)lo) * NextDouble());
        // Rounding to float can land on hi itself; keep the interval half-open.
        return value < hi || lo == hi ? value : MathF.BitDecrement(hi);
    }

    /// <summary>A float from the normal distribution N(<paramref name="mean"/>, <paramref name="std"/>²), by the Box–Muller transform.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="std"/> is negative.</exception>
    public float Normal(float mean, float std)
    {
        if (!(std >= 0)) throw new ArgumentOutOfRangeException(nameof(std), std, "The standard deviation must not be negative.");
        return (float)(mean + std * NextStandardNormal());
    }

    /// <summary>Fills <paramref name="values"/> from U(lo, hi), in order, as repeated <see cref="Uniform"/> calls would.</summary>
    public void FillUniform(Span<float> values, float lo, float hi)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Uniform(lo, hi);
    }

    /// <summary>
    /// Fills a float32 or float64 tensor from U(lo, hi). Float64 tensors receive the same float32 draws,
    /// widened, so a model initialises to the same values in either precision.
    /// </summary>
    public void FillUniform(Tensor tensor, float lo, float hi)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        switch (tensor.DType)
        {
            case DType.Float32:
                FillUniform(tensor.AsSpan(), lo, hi);
                break;
            case DType.Float64:
                Span<double> values = tensor.AsSpanFloat64();
                for (int i = 0; i < values.Length; i++) values[i] = Uniform(lo, hi);
                break;
            default:
                throw new ArgumentException($"Only floating-point tensors can be filled with random values; this one is {tensor.DType}.", nameof(tensor));
        }
    }

    // Box–Muller yields two independent normals per pair of uniforms; the second is kept for the next call.
    private double NextStandardNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }
        double u1 = 1.0 - NextDouble(); // in (0, 1]: log(u1) stays finite
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2.0 * Math.PI * u2;
        _spareNormal = radius * Math.Sin(angle);
        _hasSpareNormal = true;
        return radius * Math.Cos(angle);
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
