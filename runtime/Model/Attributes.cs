namespace ModelGen;

/// <summary>
/// Marks a partial class as a model: its layer fields, <c>Forward</c> method and <c>[Loss]</c> method are traced
/// at build time into a graph that is shape-checked, differentiated and compiled to SIMD C#.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>
    /// When true, the build reports an info diagnostic (MG2001) with the parameter count, the activation memory the
    /// backward keeps per sample, and the kernels left after fusion.
    /// </summary>
    public bool Report { get; set; }
}

/// <summary>
/// Declares the shape of a <c>Forward</c> or <c>[Loss]</c> tensor parameter. An <see cref="int"/> is a static
/// dimension; a <see cref="string"/> names a symbolic dimension (the batch) that stays open until run time.
/// </summary>
/// <example><c>public Tensor Forward([Shape("B", 784)] Tensor x)</c></example>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class ShapeAttribute : Attribute
{
    /// <summary>Creates the attribute from its dimensions, outermost first.</summary>
    public ShapeAttribute(params object[] dims) => Dims = dims;

    /// <summary>The dimensions as written: <see cref="int"/> or <see cref="string"/> values.</summary>
    public IReadOnlyList<object> Dims { get; }
}

/// <summary>Marks the model's loss method: its first parameter receives <c>Forward</c>'s output.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LossAttribute : Attribute
{
}

/// <summary>
/// Marks a partial class as a reusable block (PyTorch's <c>nn.Module</c> used inside a model): layer fields, other
/// blocks and arrays of either, and a <c>Forward</c>. A model (or another block) holds it as a field, and the
/// generator inlines its <c>Forward</c> into the model's graph, naming its parameters by their path
/// (<c>blocks.0.conv1.weight</c>). The generator gives it <c>Parameters()</c>, <c>Initialize</c> and
/// <c>Layers()</c> (<see cref="IModule"/>), but no <c>Compile</c>: compile the model that holds it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModuleAttribute : Attribute
{
}
