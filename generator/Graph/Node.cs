using ModelGen.Generator.Common;

namespace ModelGen.Generator.IR
{
    internal enum ElementType { Float32, Int32 }

    /// <summary>The activation a fused GEMM or convolution applies in its epilogue.</summary>
    internal enum Epilogue { None, Relu }

    /// <summary>
    /// One IR node. Its id is its index in <see cref="Graph.Nodes"/>; inputs name earlier nodes, so the list is a
    /// topological order and a schedule. Origin indexes the model's location table (-1: made by a pass).
    /// </summary>
    internal sealed record Node(int Id, OpKind Op, EquatableArray<int> Inputs, Shape Shape, int Origin)
    {
        public ElementType Type { get; init; } = ElementType.Float32;

        /// <summary>Input, label or parameter name ("x", "fc1.weight").</summary>
        public string Name { get; init; } = "";

        /// <summary>The layer this node computes for ("fc1"), or "" when the user wrote the op directly.</summary>
        public string Layer { get; init; } = "";

        /// <summary>A constant's value.</summary>
        public double Value { get; init; }

        /// <summary>A parameter's index in the model's Parameters() list.</summary>
        public int Index { get; init; } = -1;

        /// <summary>MatMul: the stored operands are transposed views of op(A) and op(B).</summary>
        public bool TransA { get; init; }

        public bool TransB { get; init; }

        /// <summary>MatMul, Conv2d: the activation fused into the epilogue; a MatMul's third input (before any residual) is the fused bias.</summary>
        public Epilogue Activation { get; init; }

        /// <summary>MatMul: the last input is a residual of the result's shape, added by accumulating the product onto it.</summary>
        public bool Residual { get; init; }

        /// <summary>Window geometry of convolution and pooling nodes, as each operator documents it.</summary>
        public EquatableArray<int> Geometry { get; init; } = EquatableArray<int>.Empty;

        public int Input(int i) => Inputs[i];
    }

    /// <summary>A model parameter as the graph and the emitted Parameters() list know it.</summary>
    internal sealed record ParameterInfo(string Name, string Accessor, Shape Shape, string Layer);

    /// <summary>Which node holds the gradient of which parameter (by parameter index) after differentiation.</summary>
    internal readonly record struct GradientBinding(int Parameter, int Node);
}
