using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelGen.Generator.Passes
{
    /// <summary>
    /// The optimisation passes <c>CompileOptions.Passes</c> can switch off, one bit each. The values are the
    /// runtime's <c>ModelGen.OptimizationPasses</c> (a test holds them equal): generated code indexes its schedule
    /// tables by that enum's integer value.
    /// </summary>
    [Flags]
    internal enum PassSwitch
    {
        None = 0,
        RemoveIdentities = 1,
        FoldConstants = 2,
        EliminateCommonSubexpressions = 4,
        FoldBatchNorm = 8,
        FuseGemmEpilogue = 16,
        FuseElementwise = 32,
        GraphPruning = RemoveIdentities | FoldConstants | EliminateCommonSubexpressions,
        Fusion = FoldBatchNorm | FuseGemmEpilogue | FuseElementwise,
        All = GraphPruning | Fusion,
    }

    internal static class PassSwitches
    {
        /// <summary>The single switches, in bit order.</summary>
        public static readonly PassSwitch[] Singles =
        {
            PassSwitch.RemoveIdentities, PassSwitch.FoldConstants, PassSwitch.EliminateCommonSubexpressions,
            PassSwitch.FoldBatchNorm, PassSwitch.FuseGemmEpilogue, PassSwitch.FuseElementwise,
        };

        /// <summary>
        /// The settings a model is compiled for, most passes on first: every pass, every pass but one, every pass but a
        /// group (Fusion, GraphPruning), and none. Enough to measure each pass and each group against its absence
        /// while the generated code stays at ten schedules per method at most (the full lattice would be 64).
        /// </summary>
        public static IEnumerable<PassSwitch> CompiledSettings()
        {
            yield return PassSwitch.All;
            foreach (PassSwitch single in Singles) yield return PassSwitch.All & ~single;
            yield return PassSwitch.All & ~PassSwitch.Fusion;
            yield return PassSwitch.All & ~PassSwitch.GraphPruning;
            yield return PassSwitch.None;
        }

        /// <summary>
        /// A name for what <paramref name="enabled"/> leaves out, for a generated method: "FuseElementwise",
        /// "Fusion" for all three fusion passes, "FusionAndGraphPruning" for everything.
        /// </summary>
        public static string NameOfDisabled(PassSwitch enabled)
        {
            PassSwitch off = PassSwitch.All & ~enabled;
            var parts = new List<string>();
            foreach (PassSwitch group in new[] { PassSwitch.Fusion, PassSwitch.GraphPruning })
            {
                if ((off & group) != group) continue;
                parts.Add(group.ToString());
                off &= ~group;
            }
            parts.InsertRange(0, Singles.Where(s => (off & s) != 0).Select(s => s.ToString()));
            return string.Join("And", parts);
        }
    }
}
