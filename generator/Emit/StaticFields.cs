using System.Collections.Generic;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.Emit
{
    /// <summary>
    /// Static readonly fields of the Compiled class (kernel geometries): each distinct initializer is declared once,
    /// named by its kind and order of first use, so the inference and training code share them.
    /// </summary>
    internal sealed class StaticFields
    {
        private readonly Dictionary<string, string> _names = new Dictionary<string, string>(System.StringComparer.Ordinal);
        private readonly List<string> _declarations = new List<string>();

        /// <summary>The name of a field holding <c>new {type}({arguments})</c>.</summary>
        public string Get(string type, string arguments)
        {
            string key = type + "(" + arguments + ")";
            if (_names.TryGetValue(key, out string? name)) return name;
            name = "__" + type + _names.Count;
            _names[key] = name;
            _declarations.Add($"private static readonly global::ModelGen.Kernels.{type} {name} = new({arguments});");
            return name;
        }

        public void WriteTo(SourceWriter writer)
        {
            if (_declarations.Count == 0) return;
            writer.Line();
            foreach (string declaration in _declarations) writer.Line(declaration);
        }
    }
}
