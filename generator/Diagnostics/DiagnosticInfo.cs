using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.Diagnostics
{
    /// <summary>A source location kept as plain values, so pipeline outputs stay equatable and free of Roslyn trees.</summary>
    internal readonly record struct LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public static LocationInfo From(Location location)
            => new LocationInfo(location.SourceTree?.FilePath ?? "", location.SourceSpan, location.GetLineSpan().Span);

        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        /// <summary>1-based line, as users read it.</summary>
        public int Line => LineSpan.Start.Line + 1;
    }

    /// <summary>
    /// A diagnostic raised by a stage after parsing: it names an origin (an index into the model's location table)
    /// instead of a location, so graph stages never see Roslyn and survive text shifts in the cache.
    /// </summary>
    internal sealed record DiagnosticInfo(string Id, int Origin, EquatableArray<string> Args)
    {
        /// <summary>
        /// Facts a code fix needs (Diagnostic.Properties), so it never parses the message. Part of the record's
        /// equality, like everything else in it, so a changed fact re-reports and an unchanged one stays cached.
        /// </summary>
        public EquatableArray<DiagnosticProperty> Properties { get; init; } = EquatableArray<DiagnosticProperty>.Empty;

        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, int origin, params string[] args)
            => new DiagnosticInfo(descriptor.Id, origin, EquatableArray.Create(args));

        public DiagnosticInfo WithProperties(params DiagnosticProperty[] properties)
            => this with { Properties = new EquatableArray<DiagnosticProperty>(Properties.AsImmutableArray().AddRange(properties)) };

        public Diagnostic ToDiagnostic(EquatableArray<LocationInfo> locations)
        {
            Location location = Origin >= 0 && Origin < locations.Count ? locations[Origin].ToLocation() : Location.None;
            object[] args = new object[Args.Count];
            // Line references in the arguments are resolved here, where positions are known (see SourceLine).
            for (int i = 0; i < args.Length; i++) args[i] = SourceLine.Resolve(Args[i], locations);
            ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty;
            foreach (DiagnosticProperty property in Properties) properties = properties.SetItem(property.Key, property.Value);
            return Diagnostic.Create(DiagnosticDescriptors.ById(Id), location, properties, args);
        }
    }

    /// <summary>One entry of a diagnostic's Properties: a fact for its code fix.</summary>
    internal readonly record struct DiagnosticProperty(string Key, string Value);

    /// <summary>
    /// The facts that let a fix set a layer's constructor argument to the value its input calls for (MG0001's
    /// "Set fc2's input size to 256"): the fix runs at the layer call, and these name the field and the value.
    /// </summary>
    internal static class LayerArgumentFacts
    {
        /// <summary>The layer field whose initialiser the fix rewrites, e.g. "fc2".</summary>
        public const string Layer = "Layer";

        /// <summary>The constructor parameter to rewrite, e.g. "inFeatures" or "inChannels".</summary>
        public const string Argument = "Argument";

        /// <summary>The value that makes the layer fit what it receives, e.g. "256".</summary>
        public const string Value = "Value";

        public static DiagnosticProperty[] Create(string layer, string argument, int value)
            => new[]
            {
                new DiagnosticProperty(Layer, layer),
                new DiagnosticProperty(Argument, argument),
                new DiagnosticProperty(Value, value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            };
    }

    /// <summary>Thrown inside a stage to stop it with one located diagnostic; caught at the stage boundary.</summary>
    internal sealed class ModelErrorException : Exception
    {
        public ModelErrorException(DiagnosticInfo diagnostic) : base(diagnostic.Id) => Diagnostic = diagnostic;

        public DiagnosticInfo Diagnostic { get; }

        /// <summary>Whether the message already says which inlined call it happened in.</summary>
        public bool HasCallContext { get; private set; }

        /// <summary>The same stop, its last argument followed by <paramref name="context"/> (" (called from Forward, line 31)").</summary>
        public ModelErrorException WithCallContext(string context)
        {
            var args = Diagnostic.Args.ToArray();
            if (args.Length > 0) args[args.Length - 1] += context;
            return new ModelErrorException(Diagnostic with { Args = EquatableArray.Create(args) }) { HasCallContext = true };
        }

        /// <summary>The same stop, with facts for a code fix added to its diagnostic.</summary>
        public ModelErrorException WithProperties(params DiagnosticProperty[] properties)
            => new ModelErrorException(Diagnostic.WithProperties(properties));
    }
}
