using System;
using System.Text;

namespace ModelGen.Generator.Common
{
    /// <summary>Builds indented C# text with '\n' line endings, whatever the host platform.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _text = new StringBuilder();
        private int _indent;

        public int Indentation
        {
            get => _indent;
            set => _indent = Math.Max(0, value);
        }

        public SourceWriter Line(string line = "")
        {
            if (line.Length > 0) _text.Append(' ', 4 * _indent).Append(line);
            _text.Append('\n');
            return this;
        }

        /// <summary>Writes each line of a multi-line block at the current indentation.</summary>
        public SourceWriter Lines(string block)
        {
            foreach (string line in block.Replace("\r\n", "\n").Split('\n')) Line(line);
            return this;
        }

        public SourceWriter Open(string header)
        {
            Line(header);
            Line("{");
            _indent++;
            return this;
        }

        public SourceWriter Close(string suffix = "")
        {
            _indent--;
            Line("}" + suffix);
            return this;
        }

        public override string ToString() => _text.ToString();
    }
}
