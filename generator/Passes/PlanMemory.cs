using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Passes
{
    /// <summary>Where a node's value lives when the compiled code runs.</summary>
    internal enum BufferKind
    {
        /// <summary>A planned slot (Index), allocated once at Compile for MaxBatch.</summary>
        Slot,
        /// <summary>The caller's input tensor.</summary>
        Input,
        /// <summary>The caller's labels or targets tensor.</summary>
        Label,
        /// <summary>Parameter Index's value tensor.</summary>
        Param,
        /// <summary>Parameter Index's gradient tensor.</summary>
        ParamGrad,
        /// <summary>Output Index of the compiled Forward (the tensor it returns, or that element of its tuple).</summary>
        Output,
        /// <summary>A constant, written inline as a literal.</summary>
        Inline,
    }

    internal readonly record struct PlannedBuffer(BufferKind Kind, int Index);

    /// <summary>
    /// The static memory plan of one graph: a buffer for every node, the size of every slot, and the size of the one
    /// workspace that kernels needing scratch memory (im2col of a convolution) share, since one runs at a time.
    /// </summary>
    internal sealed record MemoryPlan(EquatableArray<PlannedBuffer> Buffers, EquatableArray<SizeExpr> Slots, SizeExpr Workspace);

    /// <summary>
    /// Plans memory statically: values live from their definition to their last reader (a backward reader keeps a
    /// forward value alive, and nothing else does; an int8 convolution with a fused pooling reads its input until the
    /// pooling), and a slot is reused as soon as its value is dead. A value never
    /// shares a slot with its own inputs. A slot holding values of different sizes takes the larger coefficients,
    /// which bounds every batch size up to MaxBatch.
    /// </summary>
    internal static class PlanMemory
    {
        public static MemoryPlan Run(Graph graph, bool inference)
        {
            var buffers = new PlannedBuffer[graph.Count];
            foreach (Node node in graph.Nodes) buffers[node.Id] = Bind(node);
            foreach (GradientBinding g in graph.Gradients) buffers[g.Node] = new PlannedBuffer(BufferKind.ParamGrad, g.Parameter);
            if (inference)
            {
                for (int i = 0; i < graph.Outputs.Count; i++) buffers[graph.Outputs[i]] = new PlannedBuffer(BufferKind.Output, i);
            }

            int[] lastUse = LastUses(graph, inference);
            var slots = new List<SizeExpr>();
            var free = new List<int>();
            foreach (Node node in graph.Nodes)
            {
                if (buffers[node.Id].Kind == BufferKind.Slot)
                    buffers[node.Id] = new PlannedBuffer(BufferKind.Slot, Allocate(slots, free, node.Shape.Count));
                foreach (int input in node.Inputs.Distinct())
                {
                    if (lastUse[input] == node.Id && buffers[input].Kind == BufferKind.Slot) free.Add(buffers[input].Index);
                }
            }
            SizeExpr workspace = default;
            foreach (Node node in graph.Nodes) workspace = SizeExpr.Max(workspace, Ops.OperatorTable.Of(node.Op).Workspace(graph, node));
            return new MemoryPlan(buffers.ToEquatableArray(), slots.ToEquatableArray(), workspace);
        }

        private static PlannedBuffer Bind(Node node)
        {
            switch (node.Op)
            {
                case OpKind.Input: return new PlannedBuffer(BufferKind.Input, 0);
                case OpKind.Label: return new PlannedBuffer(BufferKind.Label, 0);
                case OpKind.Param: return new PlannedBuffer(BufferKind.Param, node.Index);
                case OpKind.Const: return new PlannedBuffer(BufferKind.Inline, 0);
                default: return new PlannedBuffer(BufferKind.Slot, -1);
            }
        }

        /// <summary>
        /// The id of each value's last reader. The loss and the gradients live to the end; the forward output only
        /// when it is returned (inference), since in training the loss is the last reader of the logits.
        /// </summary>
        private static int[] LastUses(Graph graph, bool inference)
        {
            int[] last = Enumerable.Range(0, graph.Count).ToArray();
            foreach (Node node in graph.Nodes)
            {
                foreach (int input in node.Inputs) last[input] = System.Math.Max(last[input], node.Id);
            }
            if (graph.Loss >= 0) last[graph.Loss] = int.MaxValue;
            foreach (int report in graph.Reports) last[report] = int.MaxValue;
            foreach (GradientBinding g in graph.Gradients) last[g.Node] = int.MaxValue;
            if (inference)
            {
                foreach (int output in graph.Outputs) last[output] = int.MaxValue;
            }
            // An int8 convolution with a max pooling fused reads its input while it writes the pooling's output.
            if (inference)
            {
                foreach (Node node in graph.Nodes)
                {
                    int pool = node.Op == OpKind.Conv2d ? Ops.ConvolutionOp.FusedInt8MaxPool(graph, node) : -1;
                    if (pool >= 0) last[node.Input(0)] = System.Math.Max(last[node.Input(0)], pool);
                }
            }
            return last;
        }

        /// <summary>Best fit: a free slot of exactly this size, else the largest free slot (grown), else a new slot.</summary>
        private static int Allocate(List<SizeExpr> slots, List<int> free, SizeExpr size)
        {
            int pick = -1;
            foreach (int slot in free)
            {
                if (slots[slot] == size) { pick = slot; break; }
                if (pick < 0 || Larger(slots[slot], slots[pick])) pick = slot;
            }
            if (pick < 0)
            {
                slots.Add(size);
                return slots.Count - 1;
            }
            free.Remove(pick);
            slots[pick] = SizeExpr.Max(slots[pick], size);
            return pick;
        }

        private static bool Larger(SizeExpr a, SizeExpr b) => SizeExpr.Compare(a, b) > 0;
    }
}
