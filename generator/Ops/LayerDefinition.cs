using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.IR;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Ops
{
    /// <summary>
    /// A layer type the generator compiles: its parameters (names as PyTorch gives them, shapes, the C# member that
    /// holds each) and how its Forward call traces into IR nodes.
    /// </summary>
    internal abstract class LayerDefinition
    {
        /// <summary>The runtime type's name, e.g. "Linear".</summary>
        public abstract string TypeName { get; }

        /// <summary>The IR operators its Forward traces into (listed in docs/operators.md).</summary>
        public abstract IReadOnlyList<OpKind> Operators { get; }

        /// <summary>Validates the constructor arguments and lists the parameters in Parameters() order.</summary>
        public abstract IEnumerable<ParameterInfo> Parameters(GraphTracer tracer, LayerSpec layer);

        /// <summary>Traces <c>layer.Forward(args)</c>; parameter i of the layer is model parameter firstParameter + i.</summary>
        public abstract int Trace(GraphTracer tracer, LayerSpec layer, int firstParameter, ExprSpec call, int[] args);

        /// <summary>A constructor argument that must be a positive integer (a size, a count), or MG0007 at the layer.</summary>
        protected static int Positive(GraphTracer tracer, LayerSpec layer, string name, double fallback)
        {
            double value = Arg(layer, name, fallback);
            if (value < 1 || value != System.Math.Floor(value) || value > int.MaxValue)
                throw tracer.Fail(DiagnosticDescriptors.InvalidLayer, layer.Origin, layer.Name, $"{name} must be a positive integer, but is {Format.Number(value)}");
            return (int)value;
        }

        protected static double Arg(LayerSpec layer, string name, double fallback)
        {
            foreach (LayerArgSpec arg in layer.Args)
            {
                if (arg.Name == name) return arg.Value;
            }
            return fallback;
        }
    }
}
