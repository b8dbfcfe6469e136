using ModelGen.Data;
using Xunit;

namespace ModelGen.Tests.Data;

/// <summary>
/// A fact that runs only when the MNIST test files are found where <see cref="Mnist.Locate(out string, MnistSplit)"/>
/// looks by default, and is reported as skipped, with the list of folders searched, when they are not.
/// </summary>
/// <remarks>
/// xunit 2 has no runtime skip (Assert.Skip arrived in xunit 3), but a fact's Skip property may be set by a derived
/// attribute's constructor, which runs at discovery. Skipping is more honest than returning early, which would
/// show the test as passed on a machine that never read the data.
/// </remarks>
public sealed class RequiresMnistFactAttribute : FactAttribute
{
    public RequiresMnistFactAttribute()
    {
        if (Mnist.Locate(out string report) is null) Skip = report;
    }
}
