using System.Linq;
using ModelGen.Generator.Common;
using ModelGen.Generator.IR;
using ModelGen.Generator.Ops;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Passes;

namespace ModelGen.Generator.Emit
{
    /// <summary>
    /// Writes the nested Compiled class: the planned buffers (allocated once in the constructor), Forward
    /// (inference plan), ComputeGradients and TrainStep (training plan), and the elementwise SIMD kernels they use.
    /// After construction nothing allocates on the heap.
    /// </summary>
    internal static class CpuEmitter
    {
        public static void WriteCompiledClass(SourceWriter w, ModelSpec spec, Graph traced, CompiledGraphs compiled)
        {
            var kernels = new ElementwiseKernels();
            var fields = new StaticFields();
            string input = spec.Forward.Parameters[0].Name;
            Graph inference = compiled.Inference;
            Node output = inference[inference.Output];
            Int8Sites int8 = Int8Sites.Find(inference);

            w.Line("/// <summary>");
            w.Line($"/// {spec.ClassName} compiled for the CPU. Shares the model's parameters: eager and compiled calls see the same weights.");
            w.Line("/// Not thread-safe: one call at a time. The tensor Forward returns is reused by the next call.");
            w.Line("/// </summary>");
            w.Open("public sealed class Compiled : IDisposable");
            w.Line($"private readonly {spec.ClassName} _model;");
            for (int i = 0; i < traced.Parameters.Count; i++) w.Line($"private readonly Parameter _p{i};");
            WriteSlotFields(w, compiled.InferencePlan, "_f");
            if (compiled.TrainingPlan != null) WriteSlotFields(w, compiled.TrainingPlan, "_t");
            w.Line("private readonly Tensor _output;");
            int8.WriteFields(w);
            w.Line("private bool _disposed;");
            w.Line();

            w.Open($"internal Compiled({spec.ClassName} model, CompileOptions options)");
            w.Line("_model = model;");
            w.Line("MaxBatch = options.MaxBatch;");
            w.Line("int B = options.MaxBatch;");
            w.Line("IReadOnlyList<Parameter> parameters = model.Parameters();");
            for (int i = 0; i < traced.Parameters.Count; i++) w.Line($"_p{i} = parameters[{i}];");
            WriteSlotAllocations(w, compiled.InferencePlan, "_f");
            if (compiled.TrainingPlan != null) WriteSlotAllocations(w, compiled.TrainingPlan, "_t");
            string outputDims = string.Join(", ", output.Shape.Dims.Select(d => d.ToCode("B")));
            w.Line($"_output = Tensor.CreateBuffer(DType.Float32, {output.Shape.Count.ToCode("B")}, {outputDims});");
            int8.WriteCreation(w, inference);
            w.Close();
            w.Line();
            w.Line("/// <summary>The largest batch this compiled model accepts.</summary>");
            w.Line("public int MaxBatch { get; }");
            Int8Sites.WriteProperty(w);

            WriteForward(w, input, traced, inference, compiled.InferencePlan, kernels, fields, int8);
            if (compiled.Training != null && compiled.TrainingPlan != null)
                WriteTraining(w, spec, input, traced, compiled.Training, compiled.TrainingPlan, kernels, fields);

            w.Line();
            w.Line("/// <summary>Ends the compiled model's use; later calls throw.</summary>");
            w.Line("public void Dispose() => _disposed = true;");
            fields.WriteTo(w);
            kernels.WriteTo(w);
            w.Close();
        }

        private static void WriteSlotFields(SourceWriter w, MemoryPlan plan, string prefix)
        {
            var names = Enumerable.Range(0, plan.Slots.Count).Select(i => prefix + i).ToList();
            if (plan.Workspace != default) names.Add(prefix + "w");
            if (names.Count > 0) w.Line($"private readonly float[] {string.Join(", ", names)};");
        }

        private static void WriteSlotAllocations(SourceWriter w, MemoryPlan plan, string prefix)
        {
            for (int i = 0; i < plan.Slots.Count; i++)
                w.Line($"{prefix}{i} = new float[{plan.Slots[i].ToCode("B")}];");
            if (plan.Workspace != default) w.Line($"{prefix}w = new float[{plan.Workspace.ToCode("B")}]; // scratch shared by kernels, one at a time");
        }

        private static void WriteForward(SourceWriter w, string input, Graph traced, Graph graph, MemoryPlan plan, ElementwiseKernels kernels, StaticFields fields, Int8Sites int8)
        {
            w.Line();
            w.Line("/// <summary>Inference: runs the compiled forward pass on a batch of up to MaxBatch rows.</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            w.Open($"public Tensor Forward(Tensor {input})");
            w.Line("ObjectDisposedException.ThrowIf(_disposed, this);");
            WriteBatchCheck(w, traced, input);
            Node output = graph[graph.Output];
            if (output.Shape.IsSymbolic) w.Line("_output.SetLeadingDim(B);");
            WriteBody(w, graph, plan, "_f", kernels, fields, int8);
            w.Line("return _output;");
            w.Close();
        }

        private static void WriteTraining(SourceWriter w, ModelSpec spec, string input, Graph traced, Graph graph, MemoryPlan plan, ElementwiseKernels kernels, StaticFields fields)
        {
            string[] labels = spec.Loss!.Parameters.Skip(1).Select(p => p.Name).ToArray();
            string labelParameters = string.Concat(labels.Select(l => ", Tensor " + l));
            string labelArguments = string.Concat(labels.Select(l => ", " + l));

            w.Line();
            w.Line("/// <summary>Forward, loss and backward: writes every parameter's gradient into its Grad (overwriting) and returns the loss.</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            w.Open($"public float ComputeGradients(Tensor {input}{labelParameters})");
            w.Line("ObjectDisposedException.ThrowIf(_disposed, this);");
            WriteBatchCheck(w, traced, input);
            // Checked from the traced graph: a label the loss ignores is still an argument to check.
            foreach (Node label in traced.Nodes.Where(n => n.Op == OpKind.Label))
            {
                string dtype = label.Type == ElementType.Int32 ? "DType.Int32" : "DType.Float32";
                w.Line($"CompiledChecks.SameBatch(B, CompiledChecks.Batch({label.Name}, {Format.String(label.Name)}, {dtype}, {ExpectedDims(label.Shape)}, MaxBatch), {Format.String(label.Name)});");
            }
            var withGradient = graph.Gradients.Select(g => g.Parameter).ToList();
            for (int i = 0; i < traced.Parameters.Count; i++)
            {
                if (!withGradient.Contains(i)) w.Line($"_p{i}.Grad.AsSpan().Clear(); // {traced.Parameters[i].Name} does not reach the loss");
            }
            WriteBody(w, graph, plan, "_t", kernels, fields);
            w.Line($"return {new CpuEmitContext(new SourceWriter(), graph, plan, "_t", kernels, fields).Scalar(graph.Loss)};");
            w.Close();

            w.Line();
            w.Line("/// <summary>One training step: forward, loss, backward, then the optimizer's step. Returns the loss.</summary>");
            w.Open($"public float TrainStep(Tensor {input}{labelParameters}, IOptimizer optimizer)");
            w.Line($"float loss = ComputeGradients({input}{labelArguments});");
            w.Line("optimizer.Step();");
            w.Line("return loss;");
            w.Close();
        }

        /// <summary>Checks the caller's input against its traced shape and binds B to its batch size.</summary>
        private static void WriteBatchCheck(SourceWriter w, Graph traced, string name)
        {
            Node node = traced.Nodes.First(n => n.Op == OpKind.Input);
            w.Line($"int B = CompiledChecks.Batch({name}, {Format.String(name)}, DType.Float32, {ExpectedDims(node.Shape)}, MaxBatch);");
        }

        /// <summary>The expected dims with -1 for the batch, as a stack-allocated span.</summary>
        private static string ExpectedDims(Shape shape)
            => "stackalloc int[] { " + string.Join(", ", shape.Dims.Select(d => d.IsSymbolic ? "-1" : Format.Int(d.Size))) + " }";

        private static void WriteBody(SourceWriter w, Graph graph, MemoryPlan plan, string slotPrefix, ElementwiseKernels kernels, StaticFields fields, Int8Sites? int8 = null)
        {
            var context = new CpuEmitContext(w, graph, plan, slotPrefix, kernels, fields) { Int8 = int8 };
            foreach (Node node in graph.Nodes)
            {
                if (node.Op == OpKind.Input || node.Op == OpKind.Label || node.Op == OpKind.Param || node.Op == OpKind.Const) continue;
                w.Line($"// {GraphPrinter.Describe(node)} : {node.Shape}" + (node.Layer.Length > 0 ? "  @" + node.Layer : ""));
                OperatorTable.Of(node.Op).Emit(context, node);
            }
        }
    }
}
