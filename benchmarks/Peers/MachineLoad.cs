using System.Diagnostics;

namespace Peers;

/// <summary>
/// CPU used by other processes on this (shared) machine: busy ticks from /proc/stat minus this process's own
/// utime+stime (all its threads, so libtorch's OpenMP workers and ModelGen's GEMM worker count as ours).
/// Adapted from ../shared/peers/Program.cs (class Load), which measured the peers alone on this VM.
/// </summary>
public static class MachineLoad
{
    /// <summary>A reading of the machine's and this process's CPU ticks, with a timestamp.</summary>
    public readonly record struct Mark(long Busy, long Self, long Timestamp);

    /// <summary>Foreign cores above which a measurement is marked noisy (the peers harness's threshold).</summary>
    public const double NoisyCores = 0.25;

    /// <summary>Foreign cores below which the machine counts as quiet before a measurement starts.</summary>
    public const double QuietCores = 0.15;

    private static double s_waitBudgetSeconds = 120;

    /// <summary>Total seconds this process may still spend waiting for a quiet machine.</summary>
    public static double WaitBudgetSeconds
    {
        get => s_waitBudgetSeconds;
        set => s_waitBudgetSeconds = value;
    }

    /// <summary>Reads /proc/stat and /proc/self/stat now.</summary>
    public static Mark Now()
    {
        string first = File.ReadLines("/proc/stat").First();
        long[] f = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(long.Parse).ToArray();
        long total = f.Sum(), idle = f[3] + f[4];                 // user nice system idle iowait irq softirq steal
        return new Mark(total - idle, SelfTicks(), Stopwatch.GetTimestamp());
    }

    /// <summary>utime + stime of this process in clock ticks (USER_HZ, 100 per second).</summary>
    public static long SelfTicks()
    {
        string st = File.ReadAllText("/proc/self/stat");
        string[] a = st[(st.LastIndexOf(')') + 2)..].Split(' ');  // a[0] is field 3 (state)
        return long.Parse(a[11]) + long.Parse(a[12]);              // fields 14, 15
    }

    /// <summary>Average cores other processes kept busy between two marks; extraTicks are ticks of our own children.</summary>
    public static double ForeignCores(Mark a, Mark b, long extraOwnTicks = 0)
    {
        double seconds = (b.Timestamp - a.Timestamp) / (double)Stopwatch.Frequency;
        long foreignTicks = (b.Busy - a.Busy) - (b.Self - a.Self) - extraOwnTicks;
        return Math.Max(0, foreignTicks / 100.0 / Math.Max(seconds, 1e-3));
    }

    /// <summary>
    /// Waits until other processes use fewer than <see cref="QuietCores"/> over a 0.25 s window, for at most maxSeconds
    /// and within the process-wide budget. PEERS_NO_WAIT=1, or a spent budget, skips the wait. Returns the foreign
    /// cores of the last window, or -1 when it did not look.
    /// </summary>
    public static double WaitForQuiet(double maxSeconds)
    {
        if (s_waitBudgetSeconds <= 0 || Environment.GetEnvironmentVariable("PEERS_NO_WAIT") == "1") return -1;
        var watch = Stopwatch.StartNew();
        double foreign;
        do
        {
            Mark m0 = Now();
            Thread.Sleep(250);
            foreign = ForeignCores(m0, Now());
        }
        while (foreign >= QuietCores && watch.Elapsed.TotalSeconds < Math.Min(maxSeconds, s_waitBudgetSeconds));
        s_waitBudgetSeconds = Math.Max(0, s_waitBudgetSeconds - watch.Elapsed.TotalSeconds);
        return foreign;
    }

    /// <summary>A line of /proc/self/status, e.g. VmHWM, in kB; -1 when absent.</summary>
    public static long StatusKb(string key)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0]);
        }
        return -1;
    }
}
