using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelGen.Tests.Generator;

/// <summary>
/// Analyzer config options as the compiler gives them to a generator: MSBuild properties listed as
/// CompilerVisibleProperty arrive as global options named build_property.&lt;Name&gt;.
/// </summary>
public sealed class TestAnalyzerConfigOptionsProvider : AnalyzerConfigOptionsProvider
{
    private readonly DictionaryOptions _global;

    /// <summary>Global options from MSBuild properties, e.g. ("ModelGenReport", "true").</summary>
    public TestAnalyzerConfigOptionsProvider(params (string Property, string Value)[] properties)
        => _global = new DictionaryOptions(properties.ToDictionary(p => "build_property." + p.Property, p => p.Value));

    public override AnalyzerConfigOptions GlobalOptions => _global;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => DictionaryOptions.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => DictionaryOptions.Empty;

    private sealed class DictionaryOptions(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly DictionaryOptions Empty = new(new Dictionary<string, string>());

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
