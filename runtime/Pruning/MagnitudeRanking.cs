namespace ModelGen.Pruning;

/// <summary>
/// Orders pruning candidates (elements, neurons or groups members) from the first to prune to the last: already
/// pruned ones first, so masks only grow as a target rises, then by ascending score, then by position, so ties
/// are broken the same way on every run (the earlier element is pruned first).
/// </summary>
internal readonly struct Candidate(double score, long position) : IComparable<Candidate>
{
    /// <summary>The score of an element a mask prunes already: below every magnitude or norm.</summary>
    public const double AlreadyPruned = -1;

    public double Score { get; } = double.IsNaN(score) ? double.PositiveInfinity : score;

    public long Position { get; } = position;

    public int CompareTo(Candidate other)
    {
        int byScore = Score.CompareTo(other.Score);
        return byScore != 0 ? byScore : Position.CompareTo(other.Position);
    }
}

/// <summary>Helpers shared by the pruning criteria.</summary>
internal static class MagnitudeRanking
{
    /// <summary>
    /// How many of <paramref name="count"/> items a fraction prunes: round(fraction · count), halves to even as
    /// Python's <c>round</c> (and so <c>torch.nn.utils.prune</c>) rounds.
    /// </summary>
    public static int TargetCount(double fraction, int count) => (int)Math.Round(fraction * count, MidpointRounding.ToEven);

    /// <summary>Throws unless 0 ≤ <paramref name="fraction"/> ≤ 1.</summary>
    public static void RequireFraction(double fraction, string paramName)
    {
        if (!(fraction >= 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(paramName, fraction, "A pruning fraction must lie in [0, 1].");
        }
    }

    /// <summary>The parameter's current keep-flags: a copy of its mask, or all true.</summary>
    public static bool[] CurrentKeep(Parameter parameter)
    {
        if (parameter.IsMasked) return parameter.Mask.ToArray();
        var keep = new bool[parameter.Value.Length];
        Array.Fill(keep, true);
        return keep;
    }

    /// <summary>|w| of every element, with <see cref="Candidate.AlreadyPruned"/> for elements the mask prunes.</summary>
    public static double[] Scores(Parameter parameter)
    {
        double[] values = parameter.Value.ToArrayFloat64();
        ReadOnlySpan<bool> mask = parameter.Mask;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = mask.Length > 0 && !mask[i] ? Candidate.AlreadyPruned : Math.Abs(values[i]);
        }
        return values;
    }
}
