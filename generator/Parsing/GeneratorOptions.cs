using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelGen.Generator.Parsing
{
    /// <summary>
    /// The project-wide options of the generator, read from MSBuild properties (build_property.*, made visible by the
    /// package's build/ModelGen.props). A plain value, so the compile step caches on it like on a spec.
    /// </summary>
    /// <param name="Report">&lt;ModelGenReport&gt;true&lt;/ModelGenReport&gt;: report MG2001 for every model of the project.</param>
    internal readonly record struct GeneratorOptions(bool Report)
    {
        public static GeneratorOptions From(AnalyzerConfigOptions global)
            => new GeneratorOptions(IsTrue(global, ModelGenerator.ReportProperty));

        private static bool IsTrue(AnalyzerConfigOptions global, string property)
            => global.TryGetValue("build_property." + property, out string? value) && value != null
               && bool.TryParse(value.Trim(), out bool on) && on;
    }
}
