using System.Text;

namespace ModelGen.Data;

// Finding the MNIST files on disk: a fixed list of places, a report of every one looked at, never a download.
public static partial class Mnist
{
    /// <summary>The environment variable that names a folder holding the MNIST files; it is looked at first.</summary>
    public const string EnvironmentVariable = "MODELGEN_MNIST";

    /// <summary>The file that marks the repository root when walking up from the application's folder.</summary>
    public const string RepositoryMarker = "ModelGen.sln";

    /// <summary>
    /// The folders <see cref="Locate(out string, MnistSplit)"/> searches, in order, as absolute paths without
    /// duplicates: the folder named by <c>MODELGEN_MNIST</c> (when set); <c>../shared/data/mnist</c> relative to the
    /// current directory, then relative to the repository root (the nearest folder above
    /// <see cref="AppContext.BaseDirectory"/> that contains <c>ModelGen.sln</c>, when there is one);
    /// then <c>shared/data/mnist</c> relative to the same two folders.
    /// </summary>
    public static IReadOnlyList<string> DefaultCandidates()
        => DefaultCandidates(
            Environment.GetEnvironmentVariable(EnvironmentVariable),
            Directory.GetCurrentDirectory(),
            FindRepositoryRoot(AppContext.BaseDirectory));

    /// <summary>
    /// Searches <see cref="DefaultCandidates()"/> for a folder holding the images and labels of <paramref name="split"/>;
    /// see <see cref="Locate(IEnumerable{string}, out string, MnistSplit)"/>.
    /// </summary>
    public static string? Locate(out string report, MnistSplit split = MnistSplit.Test)
        => Locate(DefaultCandidates(), out report, split);

    /// <summary>
    /// Returns the full path of the first of <paramref name="candidates"/> that holds both the images and the labels
    /// file of <paramref name="split"/> (each raw or <c>.gz</c>), or null when none does. <paramref name="report"/>
    /// lists every folder looked at with what was missing there, one per line, so that a program can print where
    /// it looked.
    /// </summary>
    public static string? Locate(IEnumerable<string> candidates, out string report, MnistSplit split = MnistSplit.Test)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        string images = ImagesFileName(split), labels = LabelsFileName(split);
        var text = new StringBuilder();
        // '\n' rather than Environment.NewLine: the report is the same text on every platform.
        text.Append($"Looked for {images}[.gz] and {labels}[.gz] in:\n");
        foreach (string candidate in candidates)
        {
            string? folder = TryGetFullPath(candidate);
            string? problem = folder is null ? "not a valid path"
                : !Directory.Exists(folder) ? "no such folder"
                : FindFile(folder, images) is null && FindFile(folder, labels) is null ? "folder exists but holds neither file"
                : FindFile(folder, images) is null ? $"no {images}[.gz]"
                : FindFile(folder, labels) is null ? $"no {labels}[.gz]"
                : null;
            text.Append($"  {folder ?? $"'{candidate}'"}: {problem ?? "found"}\n");
            if (problem is null)
            {
                report = text.ToString();
                return folder;
            }
        }
        text.Append($"MNIST not found. Copy the files into one of these folders or set {EnvironmentVariable} to the folder that holds them (nothing is downloaded).");
        report = text.ToString();
        return null;
    }

    /// <summary>The candidate list of <see cref="DefaultCandidates()"/> from explicit inputs, so tests need not change the process's environment.</summary>
    internal static IReadOnlyList<string> DefaultCandidates(string? environmentValue, string currentDirectory, string? repositoryRoot)
    {
        var folders = new List<string>();
        void Add(string path)
        {
            string? full = TryGetFullPath(path);
            if (full is not null && !folders.Contains(full, StringComparer.Ordinal)) folders.Add(full);
        }

        if (!string.IsNullOrWhiteSpace(environmentValue)) Add(environmentValue);
        string besideRepository = Path.Combine("..", "shared", "data", "mnist");
        string insideRepository = Path.Combine("shared", "data", "mnist");
        Add(Path.Combine(currentDirectory, besideRepository));
        if (repositoryRoot is not null) Add(Path.Combine(repositoryRoot, besideRepository));
        Add(Path.Combine(currentDirectory, insideRepository));
        if (repositoryRoot is not null) Add(Path.Combine(repositoryRoot, insideRepository));
        return folders;
    }

    /// <summary>The nearest folder at or above <paramref name="startDirectory"/> that contains <c>ModelGen.sln</c>; null when there is none.</summary>
    internal static string? FindRepositoryRoot(string startDirectory)
    {
        for (var folder = new DirectoryInfo(startDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, RepositoryMarker))) return folder.FullName;
        }
        return null;
    }

    private static string? TryGetFullPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) return null;
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }
}
