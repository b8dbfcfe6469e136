using ModelGen.Tests.Models;
using Xunit;

namespace ModelGen.Tests.Compiled;

/// <summary>Embedding over Int32 ids (PyTorch's nn.Embedding): lookup, padding row, gradients, compiled against eager.</summary>
public class EmbeddingTests
{
    private static readonly CompileOptions Options = new() { MaxBatch = 4, MaxSizes = new Dictionary<string, int> { ["T"] = 5 } };

    private static Tensor Ids(params int[][] rows) => Tensor.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, rows[0].Length);

    [Fact]
    public void Forward_PicksRowsOfTheTable_AndPaddingRowStartsAtZero()
    {
        var layer = new Embedding(5, 3, paddingIdx: 2);
        Assert.All(layer.Weight.ToArray().Skip(6).Take(3), v => Assert.Equal(0f, v));
        float[] table = layer.Weight.ToArray();
        Tensor y = layer.Forward(Ids([4, 0], [4, 1]));
        Assert.Equal(new[] { 2, 2, 3 }, y.Shape);
        Assert.Equal(table.Skip(12).Take(3).Concat(table.Take(3)).Concat(table.Skip(12).Take(3)).Concat(table.Skip(3).Take(3)), y.ToArray());
    }

    [Fact]
    public void Backward_SumsRowsPerId_AndSkipsThePaddingRow()
    {
        var layer = new Embedding(4, 2, paddingIdx: 0);
        Tensor y = layer.Forward(Ids([1, 1, 0, 3]));
        Ops.Sum(y * Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 1, 4, 2)).Backward();
        // Rows of dy: id 1 gets (1,2)+(3,4), padding id 0 gets nothing, id 3 gets (7,8).
        Assert.Equal(new float[] { 0, 0, 4, 6, 0, 0, 7, 8 }, layer.Weight.Grad!.ToArray());
    }

    [Fact]
    public void Forward_IdOutsideTheTable_NamesTheIdAndTheRange()
    {
        var layer = new Embedding(4, 2);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => layer.Forward(Ids([1, 4])));
        Assert.Contains("Embedding id 4 at position 1 is outside the table of 4 rows", error.Message);
        Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.FromArray(new float[] { 1 }, 1, 1)));
    }

    [Fact]
    public void Compiled_MatchesEager_ForwardAndGradients()
    {
        var model = new TokenNet();
        model.Initialize(2);
        using var compiled = model.Compile(Options);
        Tensor ids = Ids([3, 0, 7, 7], [9, 1, 0, 2], [5, 5, 5, 6]);
        Tensor labels = Tensor.FromArray(new[] { 1, 3, 0 }, 3);

        Tensor eager = model.Forward(ids);
        Tensor output = compiled.Forward(ids);
        Assert.True(ModelHarness.MaxRelativeError(output.ToArray(), eager.ToArray(), 1e-3) < 1e-5);

        model.ZeroGrad();
        model.Loss(model.Forward(ids), labels).Backward();
        var expected = model.Parameters().Select(p => p.Grad.ToArray()).ToArray();
        compiled.ComputeGradients(ids, labels);
        for (int p = 0; p < expected.Length; p++)
            Assert.True(ModelHarness.MaxRelativeError(model.Parameters()[p].Grad.ToArray(), expected[p], 1e-4) < 1e-4, model.Parameters()[p].Name);
        Assert.All(model.Parameters()[0].Grad.ToArray().Take(6), g => Assert.Equal(0f, g)); // the padding row
        Assert.Contains(model.Parameters()[0].Grad.ToArray(), g => g != 0);
    }

    [Fact]
    public void CompiledGradients_MatchFloat64FiniteDifferences()
    {
        var compiledModel = new TokenNet();
        compiledModel.Initialize(8);
        var reference = new TokenNet();
        reference.Initialize(8);
        reference.CastInPlace(DType.Float64);
        Tensor ids = Ids([3, 4, 7], [9, 1, 3]);
        Tensor labels = Tensor.FromArray(new[] { 2, 1 }, 2);
        using var compiled = compiledModel.Compile(Options);
        compiled.ComputeGradients(ids, labels);
        foreach (int p in new[] { 0, 1 })
        {
            float[] gradient = compiledModel.Parameters()[p].Grad.ToArray();
            foreach (int element in new[] { 18, 19, 20, 5 })
            {
                Span<double> values = reference.Parameters()[p].Value.AsSpanFloat64();
                double original = values[element];
                values[element] = original + 1e-6;
                double plus = reference.Loss(reference.Forward(ids), labels).ItemFloat64();
                reference.Parameters()[p].Value.AsSpanFloat64()[element] = original - 1e-6;
                double minus = reference.Loss(reference.Forward(ids), labels).ItemFloat64();
                reference.Parameters()[p].Value.AsSpanFloat64()[element] = original;
                double fd = (plus - minus) / 2e-6;
                Assert.True(Math.Abs(gradient[element] - fd) <= 1e-4 + 1e-3 * Math.Abs(fd), $"{p}/{element}: {gradient[element]} vs {fd}");
            }
        }
    }

    [Fact]
    public void CompiledForward_FloatIds_NamesTheDType()
    {
        using var compiled = new TokenNet().Compile(Options);
        var error = Assert.Throws<ArgumentException>(() => compiled.Forward(Tensor.FromArray(new float[] { 1, 2 }, 1, 2)));
        Assert.Contains("'ids' must be Int32", error.Message);
    }
}
