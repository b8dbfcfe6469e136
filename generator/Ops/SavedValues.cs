using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// One forward value a gradient rule reads: an input position (or <see cref="SavedValues.Output"/>), read whenever
    /// a gradient flows through the operator, or only when input <see cref="ForGradientOf"/> needs a gradient.
    /// </summary>
    internal readonly struct SavedValue
    {
        public SavedValue(int input, int forGradientOf)
        {
            Input = input;
            ForGradientOf = forGradientOf;
        }

        /// <summary>The input position, or <see cref="SavedValues.Output"/> for the operator's own output.</summary>
        public int Input { get; }

        /// <summary>The input whose gradient alone needs this value, or <see cref="SavedValues.AnyGradient"/>.</summary>
        public int ForGradientOf { get; }

        public bool IsOutput => Input == SavedValues.Output;
    }

    /// <summary>
    /// Which forward values an operator's gradient rule reads. The memory plan keeps a forward value alive until its last
    /// reader, so this is what the backward keeps: the contract that SavedValuesTests holds every rule to, in both
    /// directions (nothing read that is not declared, nothing declared that is not read). Immutable; built by chaining
    /// <c>SavedValues.None.WithInput(…)</c>. Input names, where given, make <see cref="Describe"/> say what each value is for.
    /// </summary>
    internal sealed class SavedValues
    {
        /// <summary>The position that stands for the operator's own output.</summary>
        public const int Output = -1;

        /// <summary>A value read whenever some input of the operator needs a gradient.</summary>
        public const int AnyGradient = -1;

        public static readonly SavedValues None = new SavedValues(ImmutableArray<SavedValue>.Empty, ImmutableArray<string>.Empty);

        private SavedValues(ImmutableArray<SavedValue> values, ImmutableArray<string> inputNames)
        {
            Values = values;
            InputNames = inputNames;
        }

        /// <summary>Inputs in ascending position, then the output.</summary>
        public ImmutableArray<SavedValue> Values { get; }

        /// <summary>Short names of the inputs by position, for <see cref="Describe"/>; empty when not given.</summary>
        public ImmutableArray<string> InputNames { get; }

        public bool IsEmpty => Values.IsEmpty;

        public SavedValues WithNames(params string[] inputNames) => new SavedValues(Values, ImmutableArray.Create(inputNames));

        public SavedValues WithInput(int input, int forGradientOf = AnyGradient) => With(new SavedValue(input, forGradientOf));

        /// <summary>Inputs first..last, each read for any gradient (the constant arguments of a pointwise operator).</summary>
        public SavedValues WithInputs(int first, int last)
        {
            SavedValues result = this;
            for (int i = first; i <= last; i++) result = result.WithInput(i);
            return result;
        }

        public SavedValues WithOutput(int forGradientOf = AnyGradient) => With(new SavedValue(Output, forGradientOf));

        private SavedValues With(SavedValue value)
        {
            if (Values.Any(v => v.Input == value.Input))
                throw new System.InvalidOperationException($"input {value.Input} is declared twice");
            // Inputs ascending, the output (-1) last.
            IEnumerable<SavedValue> ordered = Values.Add(value).OrderBy(v => v.IsOutput ? int.MaxValue : v.Input);
            return new SavedValues(ordered.ToImmutableArray(), InputNames);
        }

        /// <summary>True when the gradient rule of <paramref name="node"/> reads <paramref name="value"/>, given which values need a gradient.</summary>
        public static bool IsRead(SavedValue value, Node node, System.Func<int, bool> needsGradient)
        {
            if (value.ForGradientOf != AnyGradient)
                return value.ForGradientOf < node.Inputs.Count && needsGradient(node.Input(value.ForGradientOf));
            return node.Inputs.Any(needsGradient);
        }

        /// <summary>The ids of the forward values that the gradient rule of <paramref name="node"/> reads.</summary>
        public IEnumerable<int> Kept(Node node, System.Func<int, bool> needsGradient)
        {
            foreach (SavedValue value in Values)
            {
                if (!IsRead(value, node, needsGradient)) continue;
                if (value.IsOutput) yield return node.Id;
                else if (value.Input < node.Inputs.Count) yield return node.Input(value.Input);
            }
        }

        /// <summary>
        /// A sentence for documentation: "nothing", "its output", "inputs 0 and 1 (A for dB, B for dA)", "input 1 and its
        /// output (b, the output for db)".
        /// </summary>
        public string Describe()
        {
            if (IsEmpty) return "nothing";
            int[] inputs = Values.Where(v => !v.IsOutput).Select(v => v.Input).ToArray();
            var parts = new List<string>();
            if (inputs.Length > 0)
                parts.Add((inputs.Length == 1 ? "input " : "inputs ") + List(inputs.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            if (Values.Any(v => v.IsOutput)) parts.Add("its output");
            string text = string.Join(" and ", parts);

            var details = new List<string>();
            foreach (SavedValue value in Values)
            {
                string? name = value.IsOutput ? "the output" : NameOf(value.Input);
                if (value.ForGradientOf != AnyGradient)
                    details.Add((name ?? "input " + value.Input.ToString(System.Globalization.CultureInfo.InvariantCulture)) + " for " + GradientOf(value.ForGradientOf));
                else if (name != null && !value.IsOutput)
                    details.Add(name);
            }
            return details.Count == 0 ? text : text + " (" + string.Join(", ", details) + ")";
        }

        private string? NameOf(int input) => input < InputNames.Length ? InputNames[input] : null;

        private string GradientOf(int input)
            => NameOf(input) is string name ? "d" + name : "the gradient of input " + input.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private static string List(IEnumerable<string> items)
        {
            string[] all = items.ToArray();
            return all.Length == 1 ? all[0] : string.Join(", ", all.Take(all.Length - 1)) + " and " + all[all.Length - 1];
        }
    }
}
