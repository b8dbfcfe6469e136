namespace ModelGen.Autograd;

/// <summary>
/// Computes the gradients of one op's inputs from the gradient of its output. Returns one entry per input,
/// null where an input needs none (it does not require a gradient). The returned tensors may alias the output
/// gradient or each other: the backward pass never writes into them.
/// </summary>
internal delegate Tensor?[] BackwardFunction(Tensor outputGrad);

/// <summary>
/// One recorded op on the tape: its inputs and how to differentiate it. The result tensor points at its node
/// (<see cref="Tensor.GradFn"/>); a node points at its inputs, whose own nodes lead further back, so the graph
/// is reachable from the loss without a global tape.
/// </summary>
internal sealed class GradNode(string name, Tensor[] inputs, BackwardFunction backward)
{
    /// <summary>The op's name, for messages.</summary>
    public string Name { get; } = name;

    /// <summary>The op's tensor inputs, in the order the backward function returns their gradients.</summary>
    public Tensor[] Inputs { get; } = inputs;

    /// <summary>Maps the output's gradient to the inputs' gradients.</summary>
    public BackwardFunction Backward { get; } = backward;

    /// <summary>
    /// Attaches a node to <paramref name="result"/> when any input requires a gradient; otherwise records
    /// nothing, so inference keeps no graph alive.
    /// </summary>
    public static Tensor Record(Tensor result, string name, Tensor[] inputs, BackwardFunction backward)
    {
        foreach (var input in inputs)
        {
            if (input.RequiresGrad)
            {
                result.SetGradFn(new GradNode(name, inputs, backward));
                break;
            }
        }
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
