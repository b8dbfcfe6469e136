using System.Diagnostics;
using System.Globalization;

namespace Peers;

/// <summary>
/// Launch-to-first-training-step: starts fresh child processes (ModelGen, TorchSharp, optionally ModelGen published
/// NativeAOT or ReadyToRun) in alternation; the parent takes a wall-clock timestamp just before each start and the
/// child prints when its first step finished, with its peak memory.
/// </summary>
public static class ColdStart
{
    /// <summary>A program to launch: its name in the table and the command line.</summary>
    public sealed record Program(string Name, string FileName, string[] Arguments);

    /// <summary>Launches every program `launches` times, alternating between them, and returns one series each.</summary>
    public static List<ColdStartSeries> Measure(IReadOnlyList<Program> programs, int launches)
    {
        var series = programs.Select(p => new ColdStartSeries(p.Name, $"{Path.GetRelativePath(Directory.GetCurrentDirectory(), p.FileName)} {string.Join(' ', p.Arguments)}".Trim())).ToList();
        for (int i = 0; i < launches; i++)
        {
            for (int j = 0; j < programs.Count; j++)
            {
                MachineLoad.WaitForQuiet(maxSeconds: 5);
                ColdStartLaunch? launch = LaunchOnce(programs[j]);
                if (launch is { } l) series[j].Launches.Add(l);
            }
        }
        return series;
    }

    private static ColdStartLaunch? LaunchOnce(Program program)
    {
        var info = new ProcessStartInfo(program.FileName, program.Arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        MachineLoad.Mark m0 = MachineLoad.Now();
        long launchNs = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        using Process child = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program.FileName}");
        string stdout = child.StandardOutput.ReadToEnd();
        string stderr = child.StandardError.ReadToEnd();
        child.WaitForExit();
        MachineLoad.Mark m1 = MachineLoad.Now();
        string? line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(ColdStartChild.ReportPrefix, StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
        {
            Console.Error.WriteLine($"cold start of {program.Name} failed (exit {child.ExitCode}): {stdout} {stderr}");
            return null;
        }
        string[] f = line.Split(' ');
        long doneNs = long.Parse(f[1], CultureInfo.InvariantCulture);
        long peakKb = long.Parse(f[2], CultureInfo.InvariantCulture);
        long childTicks = long.Parse(f[3], CultureInfo.InvariantCulture);
        float loss = float.Parse(f[4], CultureInfo.InvariantCulture);
        bool libtorch = f[5] == "1";
        if (libtorch != program.Name.StartsWith("TorchSharp", StringComparison.Ordinal))
            Console.Error.WriteLine($"warning: {program.Name} child {(libtorch ? "loaded" : "did not load")} libtorch");
        var launch = new ColdStartLaunch((doneNs - launchNs) / 1e6, peakKb, MachineLoad.ForeignCores(m0, m1, childTicks), loss);
        Console.WriteLine(FormattableString.Invariant(
            $"  cold start {program.Name,-22} {launch.FirstStepMs,8:F1} ms to first step, VmHWM {peakKb / 1024.0,6:F1} MiB, loss {loss:F4}, foreign {launch.ForeignCores:F2} cores"));
        return launch;
    }
}
