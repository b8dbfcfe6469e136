namespace Samples.Vae;

/// <summary>Writes 28×28 grey images in [0, 1] as one PNG grid: white digits on black, a grey gap between cells.</summary>
internal static class ImageGrid
{
    private const int Size = 28, Gap = 2, Scale = 3;

    /// <summary>Lays <paramref name="images"/> out row by row, <paramref name="columns"/> per row, and saves the grid.</summary>
    public static void Save(string path, IReadOnlyList<float[]> images, int columns)
    {
        int rows = (images.Count + columns - 1) / columns;
        int height = rows * (Size + Gap) + Gap, width = columns * (Size + Gap) + Gap;
        var pixels = new byte[height, width];   // [row, column], as ScottPlot.Image reads a 2-D array
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) pixels[y, x] = 96;
        for (int i = 0; i < images.Count; i++)
        {
            int top = Gap + i / columns * (Size + Gap), left = Gap + i % columns * (Size + Gap);
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                    pixels[top + y, left + x] = (byte)Math.Round(255 * Math.Clamp(images[i][y * Size + x], 0f, 1f));
        }
        // Scaled up without smoothing, so each pixel stays a sharp square.
        using var image = new ScottPlot.Image(pixels);
        using var scaled = image.Scaled(Scale, antiAlias: false);
        File.WriteAllBytes(path, scaled.GetImageBytes(ScottPlot.ImageFormat.Png, 100));
    }
}
