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
            // Forward's inputs, in declaration order, as the compiled methods take them.
            string input = string.Join(", ", spec.Forward.Parameters.Select(p => Format.Identifier(p.Name)));
            Graph inference = compiled.Inference;
            // Every schedule of a method shares one set of slot arrays: a compiled model runs one of them (chosen at
            // Compile by CompileOptions.Passes), so each array is sized for the largest of its uses.
            MemoryPlan[] forwardPlans = SharedSlots(compiled.Forward);
            MemoryPlan[]? trainingPlans = compiled.TrainingSchedules == null ? null : SharedSlots(compiled.TrainingSchedules);
            // Linear products of the fused inference schedule that may run int8 (CompileOptions.Quantization).
            Int8Sites int8 = Int8Sites.Find(inference);
            // Weights the Forward schedules multiply by, packed once (CompileOptions.PrepackWeights); the schedules share them.
            PackedWeights packed = PackedWeights.Find(compiled.Forward.Graphs.ToArray());

            w.Line("/// <summary>");
            w.Line($"/// {spec.ClassName} compiled for the CPU. Shares the model's parameters: eager and compiled calls see the same weights.");
            w.Line("/// Not thread-safe: one call at a time. The tensor Forward returns is reused by the next call.");
            w.Line("/// </summary>");
            w.Open("public sealed class Compiled : global::System.IDisposable");
            w.Line($"private readonly {ModelType(spec)} __model;");
            for (int i = 0; i < traced.Parameters.Count; i++) w.Line($"private readonly global::ModelGen.Parameter __p{i};");
            WriteSlotFields(w, Slots(forwardPlans), ForwardSlots);
            if (trainingPlans != null) WriteSlotFields(w, Slots(trainingPlans), TrainingSlots);
            w.Line("private readonly global::ModelGen.Tensor " + string.Join(", ", inference.Outputs.Select((_, i) => CpuEmitContext.OutputField(i))) + ";");
            foreach (LayerSpec nested in NestedLayers(spec)) w.Line($"private readonly global::ModelGen.{nested.Kind} {CpuEmitContext.LayerField(nested.Name)};");
            foreach (string symbol in NamedDims(traced)) w.Line($"private readonly int {MaxField(symbol)};");
            if (compiled.Forward.Count > 1) w.Line("private readonly int __forwardSchedule;");
            if (compiled.TrainingSchedules?.Count > 1) w.Line("private readonly int __trainingSchedule;");
            int8.WriteFields(w);
            packed.WriteFields(w);
            w.Line("private bool __disposed;");
            w.Line();

            w.Open($"internal Compiled({ModelType(spec)} model, global::ModelGen.CompileOptions options)");
            w.Line("__model = model;");
            w.Line("MaxBatch = options.MaxBatch;");
            w.Line($"int {Batch} = options.MaxBatch;");
            foreach (string symbol in NamedDims(traced))
            {
                w.Line($"int {Dim.SymbolCode(symbol)} = global::ModelGen.Kernels.CompiledChecks.MaxSize(options, {Format.String(symbol)});");
                w.Line($"{MaxField(symbol)} = {Dim.SymbolCode(symbol)};");
            }
            w.Line("global::System.Collections.Generic.IReadOnlyList<global::ModelGen.Parameter> __parameters = model.Parameters();");
            for (int i = 0; i < traced.Parameters.Count; i++) w.Line($"__p{i} = __parameters[{i}];");
            w.Line((compiled.Forward.Count > 1 ? "__forwardSchedule = " : "") + "global::ModelGen.Kernels.CompiledChecks.Schedule(ForwardScheduleOf, options.EnabledPasses);");
            if (compiled.TrainingSchedules != null)
                w.Line((compiled.TrainingSchedules.Count > 1 ? "__trainingSchedule = " : "") + "global::ModelGen.Kernels.CompiledChecks.Schedule(TrainingScheduleOf, options.EnabledPasses);");
            WriteSlotAllocations(w, Slots(forwardPlans), ForwardSlots);
            if (trainingPlans != null) WriteSlotAllocations(w, Slots(trainingPlans), TrainingSlots);
            for (int i = 0; i < inference.Outputs.Count; i++)
            {
                Shape shape = inference[inference.Outputs[i]].Shape;
                string dims = string.Join(", ", shape.Dims.Select(d => d.ToCode(Batch)));
                w.Line($"{CpuEmitContext.OutputField(i)} = global::ModelGen.Tensor.CreateBuffer(global::ModelGen.DType.Float32, {shape.Count.ToCode(Batch)}{(dims.Length > 0 ? ", " + dims : "")});");
            }
            if (NestedLayers(spec).Any())
            {
                // Layers inside blocks are private to their block: reached once, by path, through the model's Layers().
                w.Line("global::System.Collections.Generic.IReadOnlyList<(string Name, global::ModelGen.ILayer Layer)> __layers = model.Layers();");
                for (int i = 0; i < spec.Layers.Count; i++)
                {
                    if (spec.Layers[i].Name.Contains("."))
                        w.Line($"{CpuEmitContext.LayerField(spec.Layers[i].Name)} = (global::ModelGen.{spec.Layers[i].Kind})__layers[{Format.Int(i)}].Layer; // {spec.Layers[i].Name}");
                }
            }
            packed.WriteCreation(w);
            int8.WriteCreation(w, inference);
            w.Close();
            w.Line();
            w.Line("/// <summary>The largest batch this compiled model accepts.</summary>");
            w.Line("public int MaxBatch { get; }");
            Int8Sites.WriteProperty(w);
            WriteKernelCounts(w, compiled);

            WriteForward(w, spec, input, traced, compiled.Forward, forwardPlans, kernels, fields, int8, packed);
            if (compiled.TrainingSchedules != null && trainingPlans != null)
            {
                WriteTraining(w, spec, input, traced, compiled.TrainingSchedules, trainingPlans, kernels, fields);
                WriteLossTerms(w, spec);
            }
            else
                WriteNoTraining(w, spec);

            w.Line();
            w.Line("/// <summary>Ends the compiled model's use; later calls throw.</summary>");
            w.Line("public void Dispose() => __disposed = true;");
            WriteScheduleTable(w, "ForwardScheduleOf", compiled.Forward);
            if (compiled.TrainingSchedules != null) WriteScheduleTable(w, "TrainingScheduleOf", compiled.TrainingSchedules);
            fields.WriteTo(w);
            kernels.WriteTo(w);
            w.Close();
        }

        /// <summary>The slots the schedules of one method share, each sized for the largest of its uses.</summary>
        private static MemoryPlan Slots(MemoryPlan[] plans)
        {
            int count = plans.Max(p => p.Slots.Count);
            var slots = Enumerable.Range(0, count).Select(i => plans
                .Select(p => i < p.Slots.Count ? p.Slots[i] : default)
                .Aggregate(SizeExpr.Max));
            return plans[0] with
            {
                Slots = slots.ToEquatableArray(),
                Workspace = plans.Select(p => p.Workspace).Aggregate(SizeExpr.Max),
            };
        }

        /// <summary>
        /// The schedules' plans with their slots renumbered so that each plan's k-th largest slot shares the array of
        /// the first (fully optimised) plan's k-th largest: pairing by size keeps the shared arrays close to the
        /// largest plan alone.
        /// </summary>
        private static MemoryPlan[] SharedSlots(Schedules schedules)
            => schedules.Plans.Select((plan, i) => i == 0 ? plan : Renumber(plan, schedules.Plans[0])).ToArray();

        private static MemoryPlan Renumber(MemoryPlan plan, MemoryPlan reference)
        {
            int[] BySize(MemoryPlan p) => Enumerable.Range(0, p.Slots.Count)
                .OrderByDescending(i => p.Slots[i], System.Collections.Generic.Comparer<SizeExpr>.Create(SizeExpr.Compare)).ThenBy(i => i).ToArray();
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
                w.Line($"{prefix}{i} = new float[{plan.Slots[i].ToCode(Batch)}];");
            if (plan.Workspace != default) w.Line($"{prefix}w = new float[{plan.Workspace.ToCode(Batch)}]; // scratch shared by kernels, one at a time");
        }

        /// <summary>
        /// Kernel calls and loops per call, counted from the graphs the methods run: constants for every pass on and
        /// for fusion off, and a lookup for any setting of <c>CompileOptions.Passes</c>.
        /// </summary>
        private static void WriteKernelCounts(SourceWriter w, CompiledGraphs compiled)
        {
            const PassSwitch withoutFusion = PassSwitch.All & ~PassSwitch.Fusion;
            w.Line();
            w.Line("/// <summary>Kernel calls and loops one Forward runs with every pass on (the default) and with <see cref=\"CompileOptions.Fusion\"/> off.</summary>");
            w.Line($"public const int ForwardKernels = {Format.Int(KernelCount(compiled.Inference))}, ForwardKernelsWithoutFusion = {Format.Int(KernelCount(compiled.Forward.For(withoutFusion)))};");
            WriteKernelLookup(w, "Forward", "ForwardScheduleOf", compiled.Forward);
            if (compiled.TrainingSchedules == null) return;
            w.Line();
            w.Line("/// <summary>Kernel calls and loops one ComputeGradients (forward, loss and backward) runs, with and without fusion.</summary>");
            w.Line($"public const int TrainKernels = {Format.Int(KernelCount(compiled.Training!))}, TrainKernelsWithoutFusion = {Format.Int(KernelCount(compiled.TrainingSchedules.For(withoutFusion)))};");
            WriteKernelLookup(w, "Train", "TrainingScheduleOf", compiled.TrainingSchedules);
        }

        private static void WriteKernelLookup(SourceWriter w, string method, string table, Schedules schedules)
        {
            w.Line();
            w.Line($"/// <summary>Kernel calls and loops one {(method == "Train" ? "ComputeGradients" : "Forward")} runs when compiled with <paramref name=\"passes\"/> on (<see cref=\"CompileOptions.EnabledPasses\"/>).</summary>");
            string lookup = $"global::ModelGen.Kernels.CompiledChecks.Schedule({table}, passes)";
            if (schedules.Count == 1)
            {
                w.Open($"public static int Count{method}Kernels(global::ModelGen.OptimizationPasses passes)");
                w.Line($"{lookup}; // every compiled setting runs the same schedule here; the value is still checked");
                w.Line($"return {Format.Int(KernelCount(schedules.Graphs[0]))};");
                w.Close();
                return;
            }
            string cases = string.Join(", ", schedules.Graphs.Select((g, i) =>
                (i == schedules.Count - 1 ? "_" : Format.Int(i)) + " => " + Format.Int(KernelCount(g))));
            w.Line($"public static int Count{method}Kernels(global::ModelGen.OptimizationPasses passes) => {lookup} switch {{ {cases} }};");
        }

        /// <summary>
        /// Which schedule each setting of the pass switches runs, indexed by the OptimizationPasses value; 255 marks a
        /// setting not compiled (see PassSwitches.CompiledSettings).
        /// </summary>
        private static void WriteScheduleTable(SourceWriter w, string name, Schedules schedules)
        {
            w.Line();
            w.Line("/// <summary>The schedule each setting of CompileOptions.Passes runs, indexed by its value (255: not compiled); settings that compile to the same graph share one.</summary>");
            var entries = Enumerable.Range(0, (int)PassSwitch.All + 1).Select(s => schedules.IndexOf((PassSwitch)s)).Select(i => Format.Int(i < 0 ? 255 : i));
            w.Line($"private static global::System.ReadOnlySpan<byte> {name} => new byte[] {{ {string.Join(", ", entries)} }};");
        }

        /// <summary>Every node but the sources is one kernel call or loop in the emitted code.</summary>
        internal static int KernelCount(Graph graph) => graph.Nodes.Count(n => !IsSource(n.Op));

        private static bool IsSource(OpKind op) => op == OpKind.Input || op == OpKind.Label || op == OpKind.Param || op == OpKind.Const;

        /// <summary>The private method running schedule <paramref name="index"/>: the first runs every pass, the others are named by what they leave out.</summary>
        private static string ScheduleName(string prefix, Schedules schedules, int index)
            => index == 0 ? prefix : prefix + "Without" + PassSwitches.NameOfDisabled(schedules.Representatives[index]);

        private static string ScheduleSummary(string what, Schedules schedules, int index)
        {
            if (index == 0) return $"{what} with every optimisation pass on.";
            PassSwitch off = PassSwitch.All & ~schedules.Representatives[index];
            string names = string.Join(", ", PassSwitches.Singles.Where(s => (off & s) != 0));
            return $"{what} without {names} (CompileOptions.Passes); other settings that compile to the same graph run it too.";
        }

        private static void WriteForward(SourceWriter w, ModelSpec spec, string input, Graph traced, Schedules schedules, MemoryPlan[] plans, ElementwiseKernels kernels, StaticFields fields, Int8Sites int8, PackedWeights packed)
        {
            Graph first = schedules.Graphs[0];
            string returned = first.Outputs.Count == 1
                ? CpuEmitContext.OutputField(0)
                : "(" + string.Join(", ", first.Outputs.Select((_, i) => CpuEmitContext.OutputField(i))) + ")";
            w.Line();
            w.Line("/// <summary>Inference: runs the compiled forward pass on a batch of up to MaxBatch rows.</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Open($"public {ReturnType(spec)} Forward({Typed(input)})");
            w.Line("global::System.ObjectDisposedException.ThrowIf(__disposed, this);");
            WriteBatchCheck(w, traced);
            for (int i = 0; i < first.Outputs.Count; i++)
            {
                Shape shape = first[first.Outputs[i]].Shape;
                if (shape.Dims.Any(d => d.IsSymbolic && !d.IsBatch))
                    w.Line($"global::ModelGen.Kernels.CompiledChecks.Resize({CpuEmitContext.OutputField(i)}, stackalloc int[] {{ {string.Join(", ", shape.Dims.Select(d => d.ToCode(Batch)))} }});");
                else if (shape.IsSymbolic) w.Line($"{CpuEmitContext.OutputField(i)}.SetLeadingDim({Batch});");
            }
            if (schedules.Count == 1)
            {
                WriteBody(w, schedules.Graphs[0], plans[0], ForwardSlots, kernels, fields, int8, packed);
                w.Line($"return {returned};");
                w.Close();
                return;
            }
            w.Open("switch (__forwardSchedule)");
            for (int i = 0; i < schedules.Count; i++)
                w.Line($"{(i == schedules.Count - 1 ? "default" : "case " + Format.Int(i))}: this.{ScheduleName("RunForward", schedules, i)}({Arguments(input)}{Batch}{SizeArguments(first)}); break;");
            w.Close();
            w.Line($"return {returned};");
            w.Close();
            for (int i = 0; i < schedules.Count; i++)
            {
                WriteSchedule(w, "void " + ScheduleName("RunForward", schedules, i), ScheduleSummary("The forward schedule", schedules, i),
                    input, schedules.Graphs[i], plans[i], ForwardSlots, kernels, fields, i == 0 ? int8 : null, packed);
            }
        }

        /// <summary>One schedule of a method as a private method of its own; a training schedule returns the loss.</summary>
        private static void WriteSchedule(SourceWriter w, string signature, string summary, string parameters, Graph graph, MemoryPlan plan,
            string slotPrefix, ElementwiseKernels kernels, StaticFields fields, Int8Sites? int8 = null, PackedWeights? packed = null)
        {
            string typed = Typed(parameters);
            w.Line();
            w.Line($"/// <summary>{summary}</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Open($"private {signature}({typed}{(typed.Length > 0 ? ", " : "")}int {Batch}{SizeParameters(graph)})");
            WriteBody(w, graph, plan, slotPrefix, kernels, fields, int8, packed);
            if (graph.Loss >= 0) WriteLossReturn(w, graph, plan, slotPrefix, kernels, fields);
            w.Close();
        }

        private static void WriteTraining(SourceWriter w, ModelSpec spec, string input, Graph traced, Schedules schedules, MemoryPlan[] plans, ElementwiseKernels kernels, StaticFields fields)
        {
            Graph graph = schedules.Graphs[0];
            string[] labels = spec.Loss!.Parameters.Skip(1).Select(p => Format.Identifier(p.Name)).ToArray();
            string labelParameters = string.Concat(labels.Select(l => ", global::ModelGen.Tensor " + l));
            string labelArguments = string.Concat(labels.Select(l => ", " + l));

            w.Line();
            w.Line("/// <summary>Forward, loss and backward: writes every parameter's gradient into its Grad (overwriting) and returns the loss.</summary>");
            w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
            w.Open($"public float ComputeGradients({Typed(input)}{labelParameters})");
            w.Line("global::System.ObjectDisposedException.ThrowIf(__disposed, this);");
            WriteBatchCheck(w, traced);
            // Checked from the traced graph: a label the loss ignores is still an argument to check.
            foreach (Node label in traced.Nodes.Where(n => n.Op == OpKind.Label))
            {
                string dtype = label.Type == ElementType.Int32 ? "global::ModelGen.DType.Int32" : "global::ModelGen.DType.Float32";
                w.Line($"global::ModelGen.Kernels.CompiledChecks.SameBatch({Batch}, global::ModelGen.Kernels.CompiledChecks.Batch({Format.Identifier(label.Name)}, {Format.String(label.Name)}, {dtype}, {ExpectedDims(label.Shape)}, this.MaxBatch), {Format.String(label.Name)});");
                WriteSameSizes(w, label);
            }
            var withGradient = graph.Gradients.Select(g => g.Parameter).ToList();
            for (int i = 0; i < traced.Parameters.Count; i++)
            {
                if (!withGradient.Contains(i)) w.Line($"__p{i}.Grad.AsSpan().Clear(); // {traced.Parameters[i].Name} does not reach the loss");
            }
            if (schedules.Count == 1)
            {
                WriteBody(w, graph, plans[0], TrainingSlots, kernels, fields);
                WriteLossReturn(w, graph, plans[0], TrainingSlots, kernels, fields);
                w.Close();
            }
            else
            {
                string arguments = $"({Arguments(input + labelArguments)}{Batch}{SizeArguments(graph)})";
                var cases = Enumerable.Range(0, schedules.Count).Select(i =>
                    (i == schedules.Count - 1 ? "_" : Format.Int(i)) + " => this." + ScheduleName("RunTraining", schedules, i) + arguments);
                w.Line($"return __trainingSchedule switch {{ {string.Join(", ", cases)} }};");
                w.Close();
                for (int i = 0; i < schedules.Count; i++)
                {
                    WriteSchedule(w, "float " + ScheduleName("RunTraining", schedules, i), ScheduleSummary("Forward, loss and backward", schedules, i),
                        input + labelArguments, schedules.Graphs[i], plans[i], TrainingSlots, kernels, fields);
                }
            }

            w.Line();
            w.Line("/// <summary>One training step: forward, loss, backward, then the optimizer's step. Returns the loss.</summary>");
            // The optimizer keeps its public name unless the model's own inputs took it.
            string optimizer = (input + labelArguments).Split(new[] { ", " }, System.StringSplitOptions.RemoveEmptyEntries).Contains("optimizer") ? "__optimizer" : "optimizer";
            w.Open($"public float TrainStep({Typed(input)}{labelParameters}, global::ModelGen.Optim.IOptimizer {optimizer})");
            w.Line($"float __loss = this.ComputeGradients({input}{labelArguments});");
            w.Line($"{optimizer}.Step();");
            w.Line("return __loss;");
            w.Close();
        }

        /// <summary>
        /// Checks each input against its traced shape and binds B to the batch size: the first input with a batch
        /// dimension binds it, and every other input with one must agree.
        /// </summary>
        private static void WriteBatchCheck(SourceWriter w, Graph traced)
        {
            Node[] inputs = traced.Nodes.Where(n => n.Op == OpKind.Input).ToArray();
            Node binding = inputs.FirstOrDefault(n => n.Shape.Dims.Any(d => d.IsBatch)) ?? inputs[0];
            w.Line($"int {Batch} = {BatchCheck(binding)};");
            foreach (Node input in inputs.Where(n => n != binding))
                w.Line(input.Shape.Dims.Any(d => d.IsBatch) ? $"{Checks}.SameBatch({Batch}, {BatchCheck(input)}, {Format.String(input.Name)});" : BatchCheck(input) + ";");
            // Each named dimension is bound by the first input that has it; every other occurrence must agree.
            var bindings = new System.Collections.Generic.HashSet<(string, int)>();
            var bound = new System.Collections.Generic.HashSet<string>();
            foreach (Node input in inputs)
            {
                for (int axis = 0; axis < input.Shape.Rank; axis++)
                {
                    Dim d = input.Shape[axis];
                    if (!d.IsSymbolic || d.IsBatch || !bound.Add(d.Symbol!)) continue;
                    bindings.Add((input.Name, axis));
                    w.Line($"int {Dim.SymbolCode(d.Symbol!)} = {Checks}.Size({Format.Identifier(input.Name)}, {Format.Int(axis)}, {Format.String(input.Name)}, {Format.String(d.Symbol!)}, this.{MaxField(d.Symbol!)});");
                }
            }
            foreach (Node input in inputs) WriteSameSizes(w, input, bindings);
        }

        /// <summary>Checks each named dimension of <paramref name="node"/> (but the ones it binds) against the size bound before.</summary>
        private static void WriteSameSizes(SourceWriter w, Node node, System.Collections.Generic.HashSet<(string, int)>? bindings = null)
        {
            for (int axis = 0; axis < node.Shape.Rank; axis++)
            {
                Dim d = node.Shape[axis];
                if (!d.IsSymbolic || d.IsBatch || (bindings != null && bindings.Contains((node.Name, axis)))) continue;
                w.Line($"{Checks}.SameSize({Dim.SymbolCode(d.Symbol!)}, {Format.Identifier(node.Name)}, {Format.Int(axis)}, {Format.String(node.Name)}, {Format.String(d.Symbol!)});");
            }
        }

        private const string Checks = "global::ModelGen.Kernels.CompiledChecks";

        /// <summary>Stores the loss's reported terms (<c>LossTerms</c>) and returns the loss.</summary>
        private static void WriteLossReturn(SourceWriter w, Graph graph, MemoryPlan plan, string slotPrefix, ElementwiseKernels kernels, StaticFields fields)
        {
            var context = new CpuEmitContext(new SourceWriter(), graph, plan, slotPrefix, kernels, fields);
            for (int i = 0; i < graph.Reports.Count; i++) w.Line($"__lossTerms[{Format.Int(i)}] = {context.Scalar(graph.Reports[i])};");
            w.Line($"return {context.Scalar(graph.Loss)};");
        }

        /// <summary>The terms the [Loss] returns after the loss, as the compiled step reports them.</summary>
        private static void WriteLossTerms(SourceWriter w, ModelSpec spec)
        {
            if (spec.LossTermNames.Count == 0) return;
            w.Line();
            w.Line($"private readonly float[] __lossTerms = new float[{Format.Int(spec.LossTermNames.Count)}];");
            w.Line();
            w.Line("/// <summary>The terms the [Loss] returns after the loss, from the last ComputeGradients or TrainStep, in the order of <see cref=\"LossTermNames\"/>.</summary>");
            w.Line("public global::System.ReadOnlySpan<float> LossTerms => __lossTerms;");
            w.Line();
            w.Line("/// <summary>The names of <see cref=\"LossTerms\"/>, as the [Loss]'s tuple names them (\"Item2\", ... where unnamed).</summary>");
            string names = string.Join(", ", spec.LossTermNames.Select((n, i) => Format.String(n.Length > 0 ? n : "Item" + Format.Int(i + 2))));
            w.Line($"public static global::System.Collections.Generic.IReadOnlyList<string> LossTermNames {{ get; }} = new string[] {{ {names} }};");
        }

        /// <summary>
        /// A model without a [Loss] cannot train: calling TrainStep or ComputeGradients is a compile error at the call
        /// (CS0619) whose message names the missing loss, instead of "Compiled has no TrainStep" (CS1061).
        /// </summary>
        private static void WriteNoTraining(SourceWriter w, ModelSpec spec)
        {
            string message = Format.String($"{spec.ClassName} has no [Loss] method, so it cannot be trained: declare one, e.g. " +
                "'[Loss] public Tensor Loss(Tensor output, [Shape(\"B\")] Tensor labels) => CrossEntropy(output, labels);' (docs/diagnostics/MG0008.md)");
            foreach (string method in new[] { "TrainStep", "ComputeGradients" })
            {
                w.Line();
                w.Line($"/// <summary>Not available: {spec.ClassName} declares no [Loss] method.</summary>");
                w.Line($"[global::System.Obsolete({message}, error: true)]");
                w.Line($"public float {method}(params object[] arguments) => throw new global::System.NotSupportedException({message});");
            }
        }

        private static string BatchCheck(Node input)
            => $"global::ModelGen.Kernels.CompiledChecks.Batch({Format.Identifier(input.Name)}, {Format.String(input.Name)}, {(input.Type == ElementType.Int32 ? "global::ModelGen.DType.Int32" : "global::ModelGen.DType.Float32")}, {ExpectedDims(input.Shape)}, this.MaxBatch)";

        /// <summary>"Tensor a, Tensor b" from "a, b".</summary>
        private static string Typed(string parameters)
            => string.Join(", ", parameters.Split(new[] { ", " }, System.StringSplitOptions.RemoveEmptyEntries).Select(p => "global::ModelGen.Tensor " + p));

        /// <summary>"a, b, " from "a, b": the arguments before the batch argument.</summary>
        private static string Arguments(string parameters) => parameters.Length == 0 ? "" : parameters + ", ";

        /// <summary>The model class as the Compiled class names it: fully qualified, so that no member of the model can capture it.</summary>
        private static string ModelType(ModelSpec spec)
            => "global::" + (spec.Namespace.Length > 0 ? Format.Path(spec.Namespace) + "." : "") + Format.Identifier(spec.ClassName);

        /// <summary>Generated code's own names start with two underscores, which C# reserves for generated code, so no user name meets them.</summary>
        private const string Batch = CpuEmitContext.BatchName, ForwardSlots = "__f", TrainingSlots = "__t";

        /// <summary>What compiled Forward returns: Tensor, or the tuple type Forward declares, element names kept.</summary>
        private static string ReturnType(ModelSpec spec)
            => spec.OutputNames.Count == 0
                ? "global::ModelGen.Tensor"
                : "(" + string.Join(", ", spec.OutputNames.Select(n => n.Length == 0 ? "global::ModelGen.Tensor" : "global::ModelGen.Tensor " + Format.Identifier(n))) + ")";

        /// <summary>Layers inside blocks, which compiled code reaches through fields set at Compile.</summary>
        private static System.Collections.Generic.IEnumerable<LayerSpec> NestedLayers(ModelSpec spec) => spec.Layers.Where(l => l.Name.Contains("."));

        /// <summary>The expected dims with -1 for the batch, as a stack-allocated span.</summary>
        private static string ExpectedDims(Shape shape)
            => "stackalloc int[] { " + string.Join(", ", shape.Dims.Select(d => d.IsBatch ? "-1" : d.IsSymbolic ? Checks + ".AnySize" : Format.Int(d.Size))) + " }";

        /// <summary>The named dimensions other than the batch, in the order the inputs first name them (targets name only those).</summary>
        private static System.Collections.Generic.List<string> NamedDims(Graph traced)
            => traced.Nodes.Where(n => n.Op == OpKind.Input)
                .SelectMany(n => n.Shape.Dims).Where(d => d.IsSymbolic && !d.IsBatch).Select(d => d.Symbol!).Distinct().ToList();

        private static string MaxField(string symbol) => "__max" + Dim.SymbolCode(symbol);

        private static string SizeParameters(Graph graph) => string.Concat(NamedDims(graph).Select(s => ", int " + Dim.SymbolCode(s)));

        private static string SizeArguments(Graph graph) => string.Concat(NamedDims(graph).Select(s => ", " + Dim.SymbolCode(s)));

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
