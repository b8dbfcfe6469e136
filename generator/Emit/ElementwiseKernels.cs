using System.Collections.Generic;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.Emit
{
    /// <summary>
    /// The elementwise loops of one compiled model, each written once as a private static method with a Vector512
    /// path, a Vector256 path and a scalar tail. An operator gives its expression as a template over operands
    /// {a} and {b} and the vector type {V}; operand kinds say which are tensors (t) and which scalars (s).
    /// </summary>
    internal sealed class ElementwiseKernels
    {
        private readonly Dictionary<string, string> _methods = new Dictionary<string, string>(System.StringComparer.Ordinal);
        private readonly List<string> _order = new List<string>();

        /// <summary>Returns the name of the method computing <paramref name="vector"/>/<paramref name="scalar"/>; writes it on first use.</summary>
        public string Map(string op, string vector, string scalar, string kinds)
        {
            string name = "__Map_" + op + "_" + kinds;
            if (_methods.ContainsKey(name)) return name;
            _methods[name] = Write(name, vector, scalar, kinds);
            _order.Add(name);
            return name;
        }

        /// <summary>
        /// The method computing a fused expression (operands {a}..{h}, see <see cref="FusedExpression"/>), named
        /// Map_fused{n}_{kinds} in order of first use; equal expressions share one method.
        /// </summary>
        public string MapFused(ElementwiseTemplate body, string kinds)
        {
            string key = body.Vector + "|" + body.Scalar + "|" + kinds;
            if (_fused.TryGetValue(key, out string? existing)) return existing;
            string name = Map("fused" + _fused.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), body.Vector, body.Scalar, kinds);
            _fused[key] = name;
            return name;
        }

        /// <summary>Operand names in order ('d' is the destination), as {name} in templates.</summary>
        public static readonly string[] OperandNames = { "a", "b", "c", "e", "f", "g", "h", "k" };

        private readonly Dictionary<string, string> _fused = new Dictionary<string, string>(System.StringComparer.Ordinal);

        public bool IsEmpty => _order.Count == 0;

        public void WriteTo(SourceWriter writer)
        {
            foreach (string name in _order)
            {
                writer.Line();
                writer.Lines(_methods[name]);
            }
        }

        private static string Write(string name, string vector, string scalar, string kinds)
        {
            string[] operands = OperandNames;
            var w = new SourceWriter();
            var parameters = new List<string>();
            for (int i = 0; i < kinds.Length; i++) parameters.Add((kinds[i] == 't' ? "global::System.ReadOnlySpan<float> " : "float ") + operands[i]);
            parameters.Add("global::System.Span<float> d");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Open($"private static void {name}({string.Join(", ", parameters)})");
            for (int i = 0; i < kinds.Length; i++)
            {
                if (kinds[i] == 't') w.Line($"ref float r{operands[i]} = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference({operands[i]});");
            }
            w.Line("ref float rd = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(d);");
            w.Line("nuint n = (nuint)d.Length, i = 0;");
            WriteVectorLoop(w, "if", "global::System.Runtime.Intrinsics.Vector512", 16, vector, kinds, operands);
            WriteVectorLoop(w, "else if", "global::System.Runtime.Intrinsics.Vector256", 8, vector, kinds, operands);
            w.Open("for (; i < n; i++)");
            string scalarExpr = scalar;
            for (int i = 0; i < kinds.Length; i++)
            {
                string o = operands[i];
                scalarExpr = scalarExpr.Replace("{" + o + "}", kinds[i] == 't' ? "x" + o : o);
                if (kinds[i] == 't') w.Line($"float x{o} = global::System.Runtime.CompilerServices.Unsafe.Add(ref r{o}, i);");
            }
            w.Line($"global::System.Runtime.CompilerServices.Unsafe.Add(ref rd, i) = {scalarExpr};");
            w.Close();
            w.Close();
            return w.ToString().TrimEnd('\n');
        }

        private static void WriteVectorLoop(SourceWriter w, string keyword, string vectorType, int lanes, string template, string kinds, string[] operands)
        {
            w.Open($"{keyword} ({vectorType}.IsHardwareAccelerated)");
            string expr = template.Replace("{V}", vectorType);
            for (int i = 0; i < kinds.Length; i++)
            {
                string o = operands[i];
                expr = expr.Replace("{" + o + "}", "v" + o);
                if (kinds[i] == 's') w.Line($"{vectorType}<float> v{o} = {vectorType}.Create({o});");
            }
            w.Open($"for (; i + {lanes} <= n; i += {lanes})");
            for (int i = 0; i < kinds.Length; i++)
            {
                string o = operands[i];
                if (kinds[i] == 't') w.Line($"{vectorType}<float> v{o} = {vectorType}.LoadUnsafe(ref r{o}, i);");
            }
            w.Line($"{vectorType}.StoreUnsafe({expr}, ref rd, i);");
            w.Close();
            w.Close();
        }
    }
}
