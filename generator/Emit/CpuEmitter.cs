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
            // The schedule CompileOptions.Fusion = false runs, written only where it differs from the optimised one.
            CompiledGraphs plain = compiled.WithoutFusion == null ? compiled : ShareSlots(compiled, compiled.WithoutFusion);
            bool forwardVariant = !Equals(plain.Inference, compiled.Inference);
            bool trainingVariant = compiled.Training != null && !Equals(plain.Training, compiled.Training);
            // Linear products of the fused inference schedule that may run int8 (CompileOptions.Quantization).
            Int8Sites int8 = Int8Sites.Find(inference);
            // Weights both Forward schedules multiply by, packed once (CompileOptions.PrepackWeights).
            PackedWeights packed = PackedWeights.Find(inference, plain.Inference);

            w.Line("/// <summary>");
            w.Line($"/// {spec.ClassName} compiled for the CPU. Shares the model's parameters: eager and compiled calls see the same weights.");
            w.Line("/// Not thread-safe: one call at a time. The tensor Forward returns is reused by the next call.");
            w.Line("/// </summary>");
            w.Open("public sealed class Compiled : IDisposable");
            w.Line($"private readonly {spec.ClassName} _model;");
            for (int i = 0; i < traced.Parameters.Count; i++) w.Line($"private readonly Parameter _p{i};");
            WriteSlotFields(w, Slots(compiled.InferencePlan, plain.InferencePlan), "_f");
            if (compiled.TrainingPlan != null) WriteSlotFields(w, Slots(compiled.TrainingPlan, plain.TrainingPlan!), "_t");
            w.Line("private readonly Tensor _output;");
            if (forwardVariant || trainingVariant) w.Line("private readonly bool _fusion;");
            int8.WriteFields(w);
            packed.WriteFields(w);
            w.Line("private bool _disposed;");
            w.Line();

            w.Open($"internal Compiled({spec.ClassName} model, CompileOptions options)");
            w.Line("_model = model;");
            w.Line("MaxBatch = options.MaxBatch;");
            w.Line("int B = options.MaxBatch;");
            w.Line("IReadOnlyList<Parameter> parameters = model.Parameters();");
            for (int i = 0; i < traced.Parameters.Count; i++) w.Line($"_p{i} = parameters[{i}];");
            if (forwardVariant || trainingVariant) w.Line("_fusion = options.Fusion;");
            WriteSlotAllocations(w, Slots(compiled.InferencePlan, plain.InferencePlan), "_f");
            if (compiled.TrainingPlan != null) WriteSlotAllocations(w, Slots(compiled.TrainingPlan, plain.TrainingPlan!), "_t");
            string outputDims = string.Join(", ", output.Shape.Dims.Select(d => d.ToCode("B")));
            w.Line($"_output = Tensor.CreateBuffer(DType.Float32, {output.Shape.Count.ToCode("B")}, {outputDims});");
            packed.WriteCreation(w);
            int8.WriteCreation(w, inference);
            w.Close();
            w.Line();
            w.Line("/// <summary>The largest batch this compiled model accepts.</summary>");
            w.Line("public int MaxBatch { get; }");
            Int8Sites.WriteProperty(w);
            WriteKernelCounts(w, compiled, plain);

            WriteForward(w, input, traced, compiled, forwardVariant ? plain : null, kernels, fields, int8, packed);
            if (compiled.Training != null && compiled.TrainingPlan != null)
                WriteTraining(w, spec, input, traced, compiled, trainingVariant ? plain : null, kernels, fields);

            w.Line();
            w.Line("/// <summary>Ends the compiled model's use; later calls throw.</summary>");
            w.Line("public void Dispose() => _disposed = true;");
            fields.WriteTo(w);
            kernels.WriteTo(w);
            w.Close();
        }

        /// <summary>
        /// The slots the two schedules of one method share: a compiled model runs only one of them (chosen at Compile),
        /// so each slot array serves both, sized for the larger of its two uses (see <see cref="ShareSlots"/>).
        /// </summary>
        private static MemoryPlan Slots(MemoryPlan optimised, MemoryPlan plain)
        {
            int count = System.Math.Max(optimised.Slots.Count, plain.Slots.Count);
            var slots = Enumerable.Range(0, count).Select(i => SizeExpr.Max(
                i < optimised.Slots.Count ? optimised.Slots[i] : default, i < plain.Slots.Count ? plain.Slots[i] : default));
            return optimised with { Slots = slots.ToEquatableArray(), Workspace = SizeExpr.Max(optimised.Workspace, plain.Workspace) };
        }

        /// <summary>
        /// Renumbers the unfused plan's slots so that its k-th largest slot shares the array of the optimised plan's
        /// k-th largest: pairing by size keeps the shared arrays close to the larger plan alone.
        /// </summary>
        private static CompiledGraphs ShareSlots(CompiledGraphs compiled, CompiledGraphs plain)
            => plain with
            {
                InferencePlan = Renumber(plain.InferencePlan, compiled.InferencePlan),
                TrainingPlan = plain.TrainingPlan == null ? null : Renumber(plain.TrainingPlan, compiled.TrainingPlan!),
            };

        private static MemoryPlan Renumber(MemoryPlan plan, MemoryPlan reference)
        {
            int[] BySize(MemoryPlan p) => Enumerable.Range(0, p.Slots.Count)
                .OrderByDescending(i => p.Slots[i].PerBatch).ThenByDescending(i => p.Slots[i].Fixed).ThenBy(i => i).ToArray();
            int[] mine = BySize(plan), theirs = BySize(reference);
            var map = new int[plan.Slots.Count];
            for (int k = 0; k < mine.Length; k++) map[mine[k]] = k < theirs.Length ? theirs[k] : reference.Slots.Count + (k - theirs.Length);
            var slots = new SizeExpr[System.Math.Max(plan.Slots.Count, reference.Slots.Count)]; // unused indices stay empty
            for (int i = 0; i < map.Length; i++) slots[map[i]] = plan.Slots[i];
            var buffers = plan.Buffers.Select(b => b.Kind == BufferKind.Slot ? new PlannedBuffer(BufferKind.Slot, map[b.Index]) : b);
            return plan with { Buffers = buffers.ToEquatableArray(), Slots = slots.ToEquatableArray() };
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

        /// <summary>Kernel calls and loops per call, with and without fusion, counted from the graphs the methods run.</summary>
        private static void WriteKernelCounts(SourceWriter w, CompiledGraphs compiled, CompiledGraphs plain)
        {
            w.Line();
            w.Line("/// <summary>Kernel calls and loops one Forward runs with fusion (the default) and with <see cref=\"CompileOptions.Fusion\"/> off.</summary>");
            w.Line($"public const int ForwardKernels = {Format.Int(KernelCount(compiled.Inference))}, ForwardKernelsWithoutFusion = {Format.Int(KernelCount(plain.Inference))};");
            if (compiled.Training == null) return;
            w.Line();
            w.Line("/// <summary>Kernel calls and loops one ComputeGradients (forward, loss and backward) runs, with and without fusion.</summary>");
            w.Line($"public const int TrainKernels = {Format.Int(KernelCount(compiled.Training))}, TrainKernelsWithoutFusion = {Format.Int(KernelCount(plain.Training!))};");
        }

        /// <summary>Every node but the sources is one kernel call or loop in the emitted code.</summary>
        internal static int KernelCount(Graph graph) => graph.Nodes.Count(n => !IsSource(n.Op));

        private static bool IsSource(OpKind op) => op == OpKind.Input || op == OpKind.Label || op == OpKind.Param || op == OpKind.Const;

        private static void WriteForward(SourceWriter w, string input, Graph traced, CompiledGraphs compiled, CompiledGraphs? plain, ElementwiseKernels kernels, StaticFields fields, Int8Sites int8, PackedWeights packed)
        {
            w.Line();
            w.Line("/// <summary>Inference: runs the compiled forward pass on a batch of up to MaxBatch rows.</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            w.Open($"public Tensor Forward(Tensor {input})");
            w.Line("ObjectDisposedException.ThrowIf(_disposed, this);");
            WriteBatchCheck(w, traced, input);
            Node output = compiled.Inference[compiled.Inference.Output];
            if (output.Shape.IsSymbolic) w.Line("_output.SetLeadingDim(B);");
            if (plain == null)
            {
                WriteBody(w, compiled.Inference, compiled.InferencePlan, "_f", kernels, fields, int8, packed);
                w.Line("return _output;");
                w.Close();
                return;
            }
            w.Line($"if (_fusion) RunForward({input}, B);");
            w.Line($"else RunForwardWithoutFusion({input}, B);");
            w.Line("return _output;");
            w.Close();
            WriteSchedule(w, "void RunForward", "The optimised forward schedule.", input, compiled.Inference, compiled.InferencePlan, "_f", kernels, fields, int8, packed);
            WriteSchedule(w, "void RunForwardWithoutFusion", "The forward schedule without the fusion passes (CompileOptions.Fusion = false).",
                input, plain.Inference, plain.InferencePlan, "_f", kernels, fields, packed: packed);
        }

        /// <summary>One schedule of a method as a private method of its own; a training schedule returns the loss.</summary>
        private static void WriteSchedule(SourceWriter w, string signature, string summary, string parameters, Graph graph, MemoryPlan plan,
            string slotPrefix, ElementwiseKernels kernels, StaticFields fields, Int8Sites? int8 = null, PackedWeights? packed = null)
        {
            string typed = string.Join(", ", parameters.Split(new[] { ", " }, System.StringSplitOptions.None).Select(p => "Tensor " + p));
            w.Line();
            w.Line($"/// <summary>{summary}</summary>");
            w.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
            w.Open($"private {signature}({typed}, int B)");
            WriteBody(w, graph, plan, slotPrefix, kernels, fields, int8, packed);
            if (graph.Loss >= 0) w.Line($"return {new CpuEmitContext(new SourceWriter(), graph, plan, slotPrefix, kernels, fields).Scalar(graph.Loss)};");
            w.Close();
        }

        private static void WriteTraining(SourceWriter w, ModelSpec spec, string input, Graph traced, CompiledGraphs compiled, CompiledGraphs? plain, ElementwiseKernels kernels, StaticFields fields)
        {
            Graph graph = compiled.Training!;
            MemoryPlan plan = compiled.TrainingPlan!;
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
            if (plain == null)
            {
                WriteBody(w, graph, plan, "_t", kernels, fields);
                w.Line($"return {new CpuEmitContext(new SourceWriter(), graph, plan, "_t", kernels, fields).Scalar(graph.Loss)};");
                w.Close();
            }
            else
            {
                w.Line($"return _fusion ? RunTraining({input}{labelArguments}, B) : RunTrainingWithoutFusion({input}{labelArguments}, B);");
                w.Close();
                string parameters = input + labelArguments;
                WriteSchedule(w, "float RunTraining", "The optimised forward, loss and backward schedule.", parameters, graph, plan, "_t", kernels, fields);
                WriteSchedule(w, "float RunTrainingWithoutFusion", "Forward, loss and backward without the fusion passes (CompileOptions.Fusion = false).",
                    parameters, plain.Training!, plain.TrainingPlan!, "_t", kernels, fields);
            }

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

        private static void WriteBody(SourceWriter w, Graph graph, MemoryPlan plan, string slotPrefix, ElementwiseKernels kernels, StaticFields fields, Int8Sites? int8 = null, PackedWeights? packed = null)
        {
            var context = new CpuEmitContext(w, graph, plan, slotPrefix, kernels, fields) { Int8 = int8, Packed = packed };
            foreach (Node node in graph.Nodes)
            {
                if (node.Op == OpKind.Input || node.Op == OpKind.Label || node.Op == OpKind.Param || node.Op == OpKind.Const) continue;
                w.Line($"// {GraphPrinter.Describe(node)} : {node.Shape}" + (node.Layer.Length > 0 ? "  @" + node.Layer : ""));
                OperatorTable.Of(node.Op).Emit(context, node);
            }
        }
    }
}
