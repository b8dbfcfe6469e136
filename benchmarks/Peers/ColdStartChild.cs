using ModelGen;
using ModelGen.Optim;
using Samples.Mnist;

namespace Peers;

/// <summary>
/// The ModelGen side of the cold-start measurement, run in a fresh process: build the MLP, compile it for batch 64,
/// create Adam and one batch, run one TrainStep, then report. Nothing here touches TorchSharp, so the process never
/// loads libtorch (the report says whether it did). Also compiled into ColdStartAot/ for the NativeAOT build.
/// </summary>
public static class ColdStartChild
{
    /// <summary>Prefix of the one line a cold-start child prints for its parent.</summary>
    public const string ReportPrefix = "FIRSTSTEP";

    /// <summary>Runs ModelGen's first training step and prints the report line.</summary>
    public static int RunModelGen()
    {
        var model = new MnistMlp();
        model.Initialize(0);
        using var compiled = model.Compile(new CompileOptions { MaxBatch = 64 });
        var adam = new Adam(model.Parameters(), lr: 1e-3);
        Tensor x = Data.Rows(64, 784, seed: 1), y = Data.Labels(64, seed: 2);
        float loss = compiled.TrainStep(x, y, adam);
        Report(loss);
        return 0;
    }

    /// <summary>
    /// Prints "FIRSTSTEP unixNs vmHwmKb cpuTicks loss libtorchLoaded": the wall-clock time the first step finished
    /// (compared by the parent with its launch timestamp), the peak resident memory, this process's CPU ticks (so the
    /// parent can tell its own child from foreign load) and whether libtorch is mapped.
    /// </summary>
    public static void Report(float loss)
    {
        long unixNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        long hwm = MachineLoad.StatusKb("VmHWM");
        long ticks = MachineLoad.SelfTicks();
        bool libtorch = File.ReadAllText("/proc/self/maps").Contains("libtorch", StringComparison.Ordinal);
        Console.WriteLine(FormattableString.Invariant($"{ReportPrefix} {unixNs} {hwm} {ticks} {loss:R} {(libtorch ? 1 : 0)}"));
    }
}
