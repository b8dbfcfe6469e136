namespace ModelGen.Data;

/// <summary>Readers that need to look back or know the length take any stream through this.</summary>
internal static class SeekableStream
{
    /// <summary><paramref name="stream"/> itself when it can seek, else an in-memory copy of the rest of it, at position 0.</summary>
    public static Stream Of(Stream stream)
    {
        if (stream.CanSeek) return stream;
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }
}
