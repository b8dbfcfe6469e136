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

        public string FullName => Namespace.Length == 0 ? ClassName : Namespace + "." + ClassName;
    }

    /// <summary>A layer field: <c>readonly Linear fc1 = new(784, 256);</c> with its constant constructor arguments by parameter name.</summary>
    internal sealed record LayerSpec(string Name, string Kind, EquatableArray<LayerArgSpec> Args, int Origin);

    /// <summary>A constant constructor argument; numbers as double, booleans as 0 or 1.</summary>
    internal sealed record LayerArgSpec(string Name, double Value);

    /// <summary>One dimension of a [Shape]: a size, or a named symbolic dimension.</summary>
    internal readonly record struct DimSpec(int Size, string? Symbol);

    /// <summary>A tensor parameter of Forward or Loss; Shape is empty when the parameter has no [Shape].</summary>
    internal sealed record ParamSpec(string Name, bool HasShape, EquatableArray<DimSpec> Shape, int Origin);

    /// <summary>A traced method: its tensor parameters and its body as statements.</summary>
    internal sealed record MethodSpec(string Name, EquatableArray<ParamSpec> Parameters, EquatableArray<StmtSpec> Body, int Origin);

    internal enum StmtKind { Declare, Assign, Return }

    /// <summary><c>var t = e;</c>, <c>t = e;</c> or <c>return e;</c> (an expression body is one Return).</summary>
    internal sealed record StmtSpec(StmtKind Kind, string Target, ExprSpec Value, int Origin);

    internal enum ExprKind { Local, Constant, OpsCall, LayerCall, Binary, Negate }

    /// <summary>
    /// An expression of a traced body. Local: Name is the local or parameter. Constant: Value. OpsCall: Name is the
    /// Ops method, Args its arguments by parameter position. LayerCall: Name is the layer field. Binary: Name is
    /// + - * or /. Negate: one argument.
    /// </summary>
    internal sealed record ExprSpec(ExprKind Kind, string Name, double Value, EquatableArray<ExprSpec> Args, int Origin);

    /// <summary>What parsing one [Model] class yields: the spec (when it parsed), the location table, and parse errors.</summary>
    internal sealed record ParseResult(
        ModelSpec? Spec,
        string HintName,
        EquatableArray<LocationInfo> Locations,
        EquatableArray<DiagnosticInfo> Diagnostics);
}
