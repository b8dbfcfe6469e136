using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>
/// Compiled float32 gradients against central finite differences of the loss computed in float64 (the eager path
/// on a copy of the model cast to Float64): see <see cref="ModelAssertions.GradientsMatchFiniteDifferences"/>.
/// </summary>
public class FiniteDifferenceTests
{
    public static TheoryData<string, int> Cases => new()
    {
        { "TinyMlp", int.MaxValue },
        { "Regressor", int.MaxValue },
        { "SharedLayer", int.MaxValue },
        { "MnistMlp", 24 },   // 235k parameters: a seeded sample of elements from each parameter
        { "SmallConvNet", int.MaxValue },
        { "LeNet5", 24 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CompiledGradients_MatchFloat64FiniteDifferences(string name, int elementsPerParameter)
        => ModelAssertions.GradientsMatchFiniteDifferences(ModelCase.Named(name), elementsPerParameter);
}
