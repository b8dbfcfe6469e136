using System;
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
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, int origin, params string[] args)
            => new DiagnosticInfo(descriptor.Id, origin, EquatableArray.Create(args));

        public Diagnostic ToDiagnostic(EquatableArray<LocationInfo> locations)
        {
            Location location = Origin >= 0 && Origin < locations.Count ? locations[Origin].ToLocation() : Location.None;
            object[] args = new object[Args.Count];
            // Line references in the arguments are resolved here, where positions are known (see SourceLine).
            for (int i = 0; i < args.Length; i++) args[i] = SourceLine.Resolve(Args[i], locations);
            return Diagnostic.Create(DiagnosticDescriptors.ById(Id), location, args);
        }
    }

    /// <summary>Thrown inside a stage to stop it with one located diagnostic; caught at the stage boundary.</summary>
    internal sealed class ModelErrorException : Exception
    {
        public ModelErrorException(DiagnosticInfo diagnostic) : base(diagnostic.Id) => Diagnostic = diagnostic;

        public DiagnosticInfo Diagnostic { get; }
    }
}
