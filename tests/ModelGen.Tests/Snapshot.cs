using System.Runtime.CompilerServices;
using System.Text;

namespace ModelGen.Tests;

/// <summary>
/// Checked-in expected files, compared after normalising line endings; on a mismatch the test fails with a
/// unified-style diff. Setting UPDATE_SNAPSHOTS=1 rewrites the files instead (CI never sets it).
/// Files live in Snapshots/&lt;TestClass&gt;/&lt;name&gt;.txt beside the test that owns them.
/// </summary>
public static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots", Path.GetFileNameWithoutExtension(callerFile));
        string path = Path.Combine(directory, name + ".txt");
        actual = Normalise(actual);
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, actual);
            return;
        }
        if (!File.Exists(path))
            throw new Xunit.Sdk.XunitException($"Snapshot {path} does not exist. Run the tests with UPDATE_SNAPSHOTS=1 to create it, then review and commit it.");
        string expected = Normalise(File.ReadAllText(path));
        if (expected != actual)
            throw new Xunit.Sdk.XunitException($"Snapshot {name} differs from {path} (UPDATE_SNAPSHOTS=1 rewrites it):\n{Diff(expected, actual)}");
    }

    private static string Normalise(string text) => text.Replace("\r\n", "\n");

    /// <summary>A line diff around the first difference: enough to see what changed.</summary>
    internal static string Diff(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        int first = 0;
        while (first < e.Length && first < a.Length && e[first] == a[first]) first++;
        int endE = e.Length - 1, endA = a.Length - 1;
        while (endE > first && endA > first && e[endE] == a[endA]) { endE--; endA--; }
        var diff = new StringBuilder();
        diff.Append($"@@ -{first + 1},{endE - first + 1} +{first + 1},{endA - first + 1} @@\n");
        for (int i = Math.Max(0, first - 3); i < first; i++) diff.Append(' ').Append(e[i]).Append('\n');
        for (int i = first; i <= endE && i < e.Length; i++) diff.Append('-').Append(e[i]).Append('\n');
        for (int i = first; i <= endA && i < a.Length; i++) diff.Append('+').Append(a[i]).Append('\n');
        return diff.ToString();
    }
}
