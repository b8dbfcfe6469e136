namespace ModelGen.Data;

// The ten digit shapes as polylines, and the trigonometry that builds and rotates them.
public static partial class SyntheticDigits
{
    /// <summary>
    /// Each digit as one or more polylines in glyph space: x in [0, 0.6] to the right, y in [0, 1] downwards, centre
    /// (0.3, 0.5). Curves are arcs sampled every ~15°. Shapes follow plain handwriting: an oval 0, a flagged 1, a
    /// 4 with an open top, a 6 and a 9 built from a loop and a tail, an 8 of two stacked loops.
    /// </summary>
    private static readonly Point[][][] Glyphs =
    [
        /* 0 */ [Arc(0.30, 0.50, 0.28, 0.48, 0, 360, 28)],
        /* 1 */ [[new(0.14, 0.20), new(0.34, 0.00), new(0.34, 1.00)]],
        /* 2 */ [[.. Arc(0.30, 0.28, 0.26, 0.26, 190, 390, 12), new(0.03, 1.00), new(0.60, 1.00)]],
        /* 3 */ [[.. Arc(0.30, 0.26, 0.24, 0.24, 200, 450, 14), .. Arc(0.30, 0.75, 0.27, 0.25, 285, 520, 14)]],
        /* 4 */ [[new(0.44, 1.00), new(0.44, 0.00), new(0.00, 0.68), new(0.60, 0.68)]],
        /* 5 */ [[new(0.56, 0.00), new(0.12, 0.00), new(0.08, 0.46), .. Arc(0.30, 0.70, 0.28, 0.28, 235, 500, 14)]],
        /* 6 */ [Arc(0.55, 0.72, 0.51, 0.72, 250, 180, 6), Arc(0.30, 0.74, 0.26, 0.24, 0, 360, 24)],
        /* 7 */ [[new(0.00, 0.00), new(0.60, 0.00), new(0.22, 1.00)]],
        /* 8 */ [Arc(0.30, 0.25, 0.22, 0.24, 0, 360, 22), Arc(0.30, 0.74, 0.27, 0.26, 0, 360, 24)],
        /* 9 */ [Arc(0.30, 0.27, 0.26, 0.26, 0, 360, 24), [new(0.56, 0.27), new(0.50, 1.00)]],
    ];

    /// <summary>A point in glyph or pixel space.</summary>
    private readonly record struct Point(double X, double Y);

    /// <summary>
    /// <paramref name="steps"/> + 1 points of the ellipse arc centred at (cx, cy) with radii (rx, ry) from
    /// <paramref name="fromDegrees"/> to <paramref name="toDegrees"/>; with y pointing down, 0° is the right
    /// end, 90° the bottom and 270° the top, so increasing angles run clockwise on screen.
    /// </summary>
    private static Point[] Arc(double cx, double cy, double rx, double ry, double fromDegrees, double toDegrees, int steps)
    {
        var points = new Point[steps + 1];
        for (int i = 0; i <= steps; i++)
        {
            double radians = (fromDegrees + (toDegrees - fromDegrees) * i / steps) * (Math.PI / 180);
            points[i] = new Point(cx + rx * Cos(radians), cy + ry * Sin(radians));
        }
        return points;
    }

    // Math.Sin and Math.Cos come from the platform's C library and may differ in the last bit between operating
    // systems; these series use only + − × ÷, which IEEE 754 fixes exactly, so the data is the same everywhere.
    private static double Sin(double x)
    {
        x -= 2 * Math.PI * Math.Round(x / (2 * Math.PI));
        double term = x, sum = x, square = x * x;
        for (int n = 1; n <= 12; n++)
        {
            term *= -square / ((2 * n) * (2 * n + 1));
            sum += term;
        }
        return sum;
    }

    private static double Cos(double x) => Sin(x + Math.PI / 2);
}
