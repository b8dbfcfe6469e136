using System.Globalization;
using System.Linq;

namespace ModelGen.Generator.Common
{
    /// <summary>Culture-invariant, round-trippable literals for emitted code and printed IR.</summary>
    internal static class Format
    {
        public static string Float(double value)
        {
            if (double.IsPositiveInfinity(value)) return "float.PositiveInfinity";
            if (double.IsNegativeInfinity(value)) return "float.NegativeInfinity";
            if (double.IsNaN(value)) return "float.NaN";
            return ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
        }

        public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        /// <summary>A user's name as C# code must write it: '@' before a keyword (<c>@class</c>).</summary>
        public static string Identifier(string name)
            => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;

        /// <summary>A member path as C# code must write it, each part escaped: "class.Weight" is <c>@class.Weight</c>.</summary>
        public static string Path(string path) => string.Join(".", path.Split('.').Select(Identifier));

        /// <summary>A C# string literal.</summary>
        public static string String(string value)
        {
            var sb = new System.Text.StringBuilder(value.Length + 2).Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default: sb.Append(c); break;
                }
            }
            return sb.Append('"').ToString();
        }
    }
}
