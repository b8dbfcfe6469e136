namespace ModelGen.Data;

/// <summary>
/// An n-dimensional array of unsigned bytes as stored in an IDX file (the format of the MNIST files):
/// <see cref="Shape"/> holds the dimensions, outermost first, and <see cref="Data"/> the elements in row-major
/// order. For MNIST images the shape is [count, 28, 28]; for labels it is [count].
/// </summary>
/// <remarks>
/// Equality compares the shapes and the bytes, not the array references, so a written and re-read array equals
/// the original. The arrays are used as given, not copied.
/// </remarks>
public sealed record IdxArray
{
    /// <summary>Wraps <paramref name="shape"/> and <paramref name="data"/>, checking that they agree.</summary>
    /// <exception cref="ArgumentException">
    /// The shape is empty, longer than 255 dimensions (the IDX header has one byte for the count), has a negative
    /// dimension, or its element count differs from the length of <paramref name="data"/>.
    /// </exception>
    public IdxArray(int[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Length is 0 or > 255)
            throw new ArgumentException($"An IDX array has 1 to 255 dimensions, not {shape.Length}.", nameof(shape));
        long elements = 1;
        foreach (int dim in shape)
        {
            if (dim < 0) throw new ArgumentException($"Dimension {dim} in [{string.Join(", ", shape)}] is negative.", nameof(shape));
            elements *= dim;
            // Each dimension is below 2^31, so checking after every step keeps the product from overflowing.
            if (elements > data.Length) break;
        }
        if (elements != data.Length)
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] needs {ElementText(shape)} elements but the data holds {data.Length}.",
                nameof(data));
        Shape = shape;
        Data = data;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>The elements in row-major order; its length is the product of <see cref="Shape"/>.</summary>
    public byte[] Data { get; }

    /// <summary>The number of items: the outermost dimension (images in an image file, labels in a label file).</summary>
    public int ItemCount => Shape[0];

    /// <summary>The number of elements of one item: the product of every dimension but the first (784 for MNIST images).</summary>
    public int ItemSize
    {
        get
        {
            int size = 1;
            for (int i = 1; i < Shape.Length; i++) size *= Shape[i];
            return size;
        }
    }

    /// <summary>True when both shapes and all elements are equal.</summary>
    public bool Equals(IdxArray? other)
        => other is not null && Shape.AsSpan().SequenceEqual(other.Shape) && Data.AsSpan().SequenceEqual(other.Data);

    /// <summary>A hash of the shape and the length of the data (hashing every byte would make lookups slow for no gain).</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int dim in Shape) hash.Add(dim);
        hash.Add(Data.Length);
        return hash.ToHashCode();
    }

    /// <summary>The shape, e.g. <c>IdxArray [10000, 28, 28]</c>.</summary>
    public override string ToString() => $"IdxArray [{string.Join(", ", Shape)}]";

    private static string ElementText(int[] shape)
    {
        // Computed in decimal so that a product beyond long (impossible to store anyway) still prints correctly.
        decimal product = 1;
        foreach (int dim in shape) product *= dim;
        return product.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
