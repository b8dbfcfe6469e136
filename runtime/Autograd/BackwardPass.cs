using System.Numerics.Tensors;

namespace ModelGen.Autograd;

/// <summary>
/// Reverse-mode differentiation over the recorded graph: a topological order of the nodes reachable from the
/// loss, then one sweep from the loss back to the leaves.
/// </summary>
/// <remarks>
/// A node runs only after every consumer of its output has contributed, so a tensor used twice receives the
/// sum of both gradients before flowing further. Gradients of intermediate results live only in this sweep;
/// leaves accumulate into <see cref="Tensor.Grad"/>.
/// </remarks>
internal static class BackwardPass
{
    /// <summary>Back-propagates from the one-element tensor <paramref name="root"/>, seeding a gradient of 1.</summary>
    public static void Run(Tensor root)
    {
        if (root.Length != 1)
        {
            throw new InvalidOperationException(
                $"Backward() needs a one-element tensor such as a loss; this one has shape {Tensor.FormatShape(root.ShapeSpan)}.");
        }
        if (!root.RequiresGrad)
        {
            throw new InvalidOperationException(
                "Backward() was called on a tensor that does not require a gradient: no input of the computation has RequiresGrad set.");
        }

        var seed = Tensor.Create(root.DType, root.ShapeSpan);
        Fill(seed, 1.0);
        if (root.GradFn is null)
        {
            AccumulateIntoLeaf(root, seed);
            return;
        }

        List<GradNode> order = TopologicalOrder(root.GradFn);
        var pending = new Dictionary<GradNode, Tensor> { [root.GradFn] = seed };
        for (int i = order.Count - 1; i >= 0; i--)
        {
            GradNode node = order[i];
            if (!pending.Remove(node, out Tensor? outputGrad)) continue;
            Tensor?[] inputGrads = node.Backward(outputGrad);
            for (int j = 0; j < node.Inputs.Length; j++)
            {
                Tensor input = node.Inputs[j];
                Tensor? grad = inputGrads[j];
                if (grad is null || !input.RequiresGrad) continue;
                CheckGradientFits(node, j, input, grad);
                if (input.GradFn is { } producer)
                {
                    // Out of place: a returned gradient may alias another input's, so none is ever written to.
                    pending[producer] = pending.TryGetValue(producer, out Tensor? earlier) ? Add(earlier, grad) : grad;
                }
                else
                {
                    AccumulateIntoLeaf(input, grad);
                }
            }
        }
    }

    /// <summary>
    /// Nodes ordered so that every node comes after the nodes producing its inputs (a depth-first post-order).
    /// Iterative with an explicit stack: a deep graph (a long recurrence, a many-layer model) must not overflow
    /// the call stack.
    /// </summary>
    internal static List<GradNode> TopologicalOrder(GradNode root)
    {
        var order = new List<GradNode>();
        var visited = new HashSet<GradNode> { root };
        var stack = new Stack<(GradNode Node, int NextInput)>();
        stack.Push((root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            bool descended = false;
            while (next < node.Inputs.Length)
            {
                GradNode? producer = node.Inputs[next++].GradFn;
                if (producer is not null && visited.Add(producer))
                {
                    stack.Push((node, next));
                    stack.Push((producer, 0));
                    descended = true;
                    break;
                }
            }
            if (!descended) order.Add(node);
        }
        return order;
    }

    private static void AccumulateIntoLeaf(Tensor leaf, Tensor grad)
    {
        if (leaf.Grad is null)
        {
            // A copy: the gradient may alias another leaf's or an intermediate one.
            leaf.Grad = grad.Clone();
            return;
        }
        switch (leaf.DType)
        {
            case DType.Float32: TensorPrimitives.Add(leaf.Grad.AsSpan(), grad.AsSpan(), leaf.Grad.AsSpan()); break;
            default: TensorPrimitives.Add(leaf.Grad.AsSpanFloat64(), grad.AsSpanFloat64(), leaf.Grad.AsSpanFloat64()); break;
        }
    }

    private static Tensor Add(Tensor a, Tensor b)
    {
        var sum = Tensor.Create(a.DType, a.ShapeSpan);
        switch (a.DType)
        {
            case DType.Float32: TensorPrimitives.Add(a.AsSpan(), b.AsSpan(), sum.AsSpan()); break;
            default: TensorPrimitives.Add(a.AsSpanFloat64(), b.AsSpanFloat64(), sum.AsSpanFloat64()); break;
        }
        return sum;
    }

    private static void Fill(Tensor tensor, double value)
    {
        if (tensor.DType == DType.Float32) tensor.AsSpan().Fill((float)value);
        else tensor.AsSpanFloat64().Fill(value);
    }

    // An op whose backward returns a gradient of the wrong shape or dtype is a runtime bug; say which op.
    private static void CheckGradientFits(GradNode node, int inputIndex, Tensor input, Tensor grad)
    {
        if (grad.DType != input.DType || !grad.ShapeSpan.SequenceEqual(input.ShapeSpan))
        {
            throw new InvalidOperationException(
                $"Internal error: the backward of {node.Name} produced a {grad.DType} gradient of shape " +
                $"{Tensor.FormatShape(grad.ShapeSpan)} for input {inputIndex}, which is {input.DType} " +
                $"{Tensor.FormatShape(input.ShapeSpan)}.");
        }
    }
}
