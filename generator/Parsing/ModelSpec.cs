using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing
{
    /// <summary>
    /// A [Model] class as parsed from user code: plain values only (no symbols, no syntax), so two specs are equal
    /// exactly when the model means the same thing. Locations live apart, in <see cref="ParseResult.Locations"/>;
    /// every origin field below is an index into that table.
    /// </summary>
    internal sealed record ModelSpec(
        string Namespace,
        string ClassName,
        string Accessibility,
        EquatableArray<LayerSpec> Layers,
        MethodSpec Forward,
        MethodSpec? Loss,
        int Origin)
    {
        /// <summary>[Model(Report = true)]: report parameters, kept activations and kernels as an info diagnostic.</summary>
        public bool Report { get; init; }

        /// <summary>
        /// The model's own fields that hold layers or blocks, in declaration order: what Parameters(), Layers() and
        /// Initialize walk. <see cref="Layers"/> is the flattened list of every layer inside them.
        /// </summary>
        public EquatableArray<FieldSpec> Fields { get; init; } = EquatableArray<FieldSpec>.Empty;

        /// <summary>The names of the terms the [Loss] reports after the loss ("Kl", or "" where unnamed); empty when it returns one tensor.</summary>
        public EquatableArray<string> LossTermNames { get; init; } = EquatableArray<string>.Empty;

        /// <summary>The element names of the tuple Forward returns ("Logits", "Item2", ...); empty when it returns one tensor.</summary>
        public EquatableArray<string> OutputNames { get; init; } = EquatableArray<string>.Empty;

        public string FullName => Namespace.Length == 0 ? ClassName : Namespace + "." + ClassName;
    }

    /// <summary>
    /// A layer: <c>readonly Linear fc1 = new(784, 256);</c> with its constant constructor arguments by parameter name.
    /// Name is its dotted path in the model, as PyTorch's state_dict names it: "fc1", "blocks.0.conv1".
    /// </summary>
    internal sealed record LayerSpec(string Name, string Kind, EquatableArray<LayerArgSpec> Args, int Origin);

    internal enum FieldKind { Layer, Module, LayerList, ModuleList }

    /// <summary>
    /// A field of a model or [Module] that holds parameters: a layer, a block, or an array of either (Count elements;
    /// 0 when the count is known only at run time, as for a [Module] parsed on its own).
    /// </summary>
    internal sealed record FieldSpec(string Name, FieldKind Kind, int Count)
    {
        /// <summary>The field as C# code reads it: its name, with '@' before a keyword ("@class").</summary>
        public string Identifier { get; init; } = Name;
    }

    /// <summary>A [Module] class as parsed on its own: the fields its generated Parameters(), Layers() and ResetParameters walk.</summary>
    internal sealed record ModuleSpec(string Namespace, string ClassName, string Accessibility, EquatableArray<FieldSpec> Fields, int Origin)
    {
        public string FullName => Namespace.Length == 0 ? ClassName : Namespace + "." + ClassName;
    }

    /// <summary>What parsing one [Module] class yields.</summary>
    internal sealed record ModuleParseResult(
        ModuleSpec? Spec,
        string HintName,
        EquatableArray<LocationInfo> Locations,
        EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>A constant constructor argument; numbers as double, booleans as 0 or 1.</summary>
    internal sealed record LayerArgSpec(string Name, double Value);

    /// <summary>One dimension of a [Shape]: a size, or a named symbolic dimension.</summary>
    internal readonly record struct DimSpec(int Size, string? Symbol);

    /// <summary>A tensor parameter of Forward or Loss; Shape is empty when the parameter has no [Shape].</summary>
    internal sealed record ParamSpec(string Name, bool HasShape, EquatableArray<DimSpec> Shape, int Origin)
    {
        /// <summary>The loss's first parameter when Forward returns a tuple: its element count (0 for a tensor).</summary>
        public int TupleArity { get; init; }
    }

    /// <summary>A traced method: its tensor parameters and its body as statements.</summary>
    internal sealed record MethodSpec(string Name, EquatableArray<ParamSpec> Parameters, EquatableArray<StmtSpec> Body, int Origin);

    internal enum StmtKind { Declare, Assign, Return }

    /// <summary><c>var t = e;</c>, <c>t = e;</c> or <c>return e;</c> (an expression body is one Return).</summary>
    internal sealed record StmtSpec(StmtKind Kind, string Target, ExprSpec Value, int Origin);

    internal enum ExprKind { Local, Constant, OpsCall, LayerCall, Binary, Negate, Tuple }

    /// <summary>
    /// An expression of a traced body. Local: Name is the local or parameter. Constant: Value. OpsCall: Name is the
    /// Ops method, Args its arguments by parameter position. LayerCall: Name is the layer field. Binary: Name is
    /// + - * or /. Negate: one argument. Tuple: the elements of a returned tuple.
    /// </summary>
    internal sealed record ExprSpec(ExprKind Kind, string Name, double Value, EquatableArray<ExprSpec> Args, int Origin)
    {
        /// <summary>
        /// Inside an inlined block or helper: where it was called from (" (called from Forward, line 31)", with the
        /// line as a <see cref="SourceLine"/> reference), appended to a diagnostic raised here.
        /// </summary>
        public string CallContext { get; init; } = "";
    }

    /// <summary>What parsing one [Model] class yields: the spec (when it parsed), the location table, and parse errors.</summary>
    internal sealed record ParseResult(
        ModelSpec? Spec,
        string HintName,
        EquatableArray<LocationInfo> Locations,
        EquatableArray<DiagnosticInfo> Diagnostics);
}
