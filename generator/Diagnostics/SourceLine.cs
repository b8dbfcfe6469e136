using System.Globalization;
using System.Text;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.Diagnostics
{
    /// <summary>
    /// "line N" of an origin, written into a diagnostic argument as a reference and resolved only when the diagnostic
    /// is reported. Graph stages know origins, not positions: a message that carried the line itself would change
    /// whenever text above the model moved, and the cached graph steps would have to re-run.
    /// </summary>
    internal static class SourceLine
    {
        // Control characters cannot appear in identifiers or in the shapes and numbers messages print.
        private const char Open = '\u0001';
        private const char Close = '\u0002';

        /// <summary>A reference to the 1-based line of <paramref name="origin"/>; empty when the value has no origin.</summary>
        public static string Of(int origin)
            => origin < 0 ? "" : Open + origin.ToString(CultureInfo.InvariantCulture) + Close;

        /// <summary>"(line N)" after a description, or nothing when the value has no origin.</summary>
        public static string Suffix(int origin) => origin < 0 ? "" : " (line " + Of(origin) + ")";

        /// <summary>Replaces every reference in <paramref name="text"/> with its line number in <paramref name="locations"/>.</summary>
        public static string Resolve(string text, EquatableArray<LocationInfo> locations)
        {
            if (text.IndexOf(Open) < 0) return text;
            var resolved = new StringBuilder(text.Length);
            int i = 0;
            while (i < text.Length)
            {
                int open = text.IndexOf(Open, i), close = open < 0 ? -1 : text.IndexOf(Close, open);
                if (close < 0)
                {
                    resolved.Append(text, i, text.Length - i);
                    break;
                }
                resolved.Append(text, i, open - i);
                bool known = int.TryParse(text.Substring(open + 1, close - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int origin)
                    && origin < locations.Count;
                resolved.Append(known ? locations[origin].Line.ToString(CultureInfo.InvariantCulture) : "?");
                i = close + 1;
            }
            return resolved.ToString();
        }
    }
}
