using ModelGen;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Every op's backward against central finite differences in float64 (see <see cref="GradCheck"/>).</summary>
public class OpsGradientTests
{
    [Fact]
    public void Relu_RandomInput_MatchesFiniteDifferences()
    {
        var x = GradCheck.RandomAwayFromZero(new Rng(1), 0.05, 2, 5, 7);
        GradCheck.Assert(() => Ops.Relu(x), x);
    }

    [Fact]
    public void Sigmoid_RandomInput_MatchesFiniteDifferences()
    {
        var x = GradCheck.Random(new Rng(2), -4, 4, 5, 7);
        GradCheck.Assert(() => Ops.Sigmoid(x), x);
    }

    [Fact]
    public void Tanh_RandomInput_MatchesFiniteDifferences()
    {
        var x = GradCheck.Random(new Rng(3), -3, 3, 3, 5, 2);
        GradCheck.Assert(() => Ops.Tanh(x), x);
    }

    [Fact]
    public void MatMul_OddSizes_MatchesFiniteDifferencesForBothOperands()
    {
        var rng = new Rng(4);
        var a = GradCheck.Random(rng, -1, 1, 3, 5);
        var b = GradCheck.Random(rng, -1, 1, 5, 7);
        GradCheck.Assert(() => Ops.MatMul(a, b), a, b);
    }

    [Fact]
    public void CrossEntropy_RandomLogits_MatchesFiniteDifferences()
    {
        var logits = GradCheck.Random(new Rng(5), -3, 3, 5, 7);
        var labels = Tensor.FromArray(new[] { 0, 6, 3, 3, 1 }, 5);
        GradCheck.Assert(() => Ops.CrossEntropy(logits, labels), logits, labels);
    }

    [Fact]
    public void CrossEntropy_ScaledDownstream_MatchesFiniteDifferences()
    {
        // A gradient other than 1 arriving at the loss exercises the gradOut factor.
        var logits = GradCheck.Random(new Rng(6), -2, 2, 3, 4);
        var labels = Tensor.FromArray(new[] { 3, 0, 2 }, 3);
        GradCheck.Assert(() => Ops.CrossEntropy(logits, labels) * 2.5f, logits);
    }

    [Fact]
    public void MseLoss_RandomInputs_MatchesFiniteDifferencesForPredictionAndTarget()
    {
        var rng = new Rng(7);
        var prediction = GradCheck.Random(rng, -2, 2, 3, 5);
        var target = GradCheck.Random(rng, -2, 2, 3, 5);
        GradCheck.Assert(() => Ops.MseLoss(prediction, target) * 3f, prediction, target);
    }

    [Fact]
    public void Sum_Rank3_MatchesFiniteDifferences()
    {
        var x = GradCheck.Random(new Rng(8), -1, 1, 3, 5, 2);
        GradCheck.Assert(() => Ops.Sum(x) * Ops.Sum(x), x);
    }

    [Fact]
    public void Mean_Rank3_MatchesFiniteDifferences()
    {
        var x = GradCheck.Random(new Rng(9), -1, 1, 3, 5, 2);
        GradCheck.Assert(() => Ops.Mean(x) * Ops.Mean(x), x);
    }

    [Theory]
    [InlineData(true, 2, 5)]
    [InlineData(false, 2, 5)]
    [InlineData(true, 3, 2, 5)]
    [InlineData(true, 5)]
    public void LinearForward_AnyRank_MatchesFiniteDifferencesForInputWeightAndBias(bool bias, params int[] inputShape)
    {
        var rng = new Rng(10);
        var layer = new Linear(5, 3, bias);
        layer.ResetParameters(rng);
        foreach (var (_, value) in layer.NamedParameters()) value.CastInPlace(DType.Float64);
        var x = GradCheck.Random(rng, -1, 1, inputShape);
        var inputs = bias ? new[] { x, layer.Weight, layer.Bias! } : new[] { x, layer.Weight };
        GradCheck.Assert(() => layer.Forward(x), inputs);
    }

    public static TheoryData<string, int[], int[]> BroadcastCases()
    {
        var data = new TheoryData<string, int[], int[]>();
        int[][][] shapePairs =
        [
            [[3, 4], [3, 4]],
            [[3, 4], [4]],
            [[4], [3, 4]],
            [[3, 1], [1, 4]],
            [[2, 3, 4], [3, 1]],
            [[3, 1], [2, 3, 4]],
            [[3, 5], []],
            [[], [3, 5]],
            [[2, 1, 5], [3, 1]],
        ];
        foreach (string op in new[] { "+", "-", "*", "/" })
            foreach (var pair in shapePairs) data.Add(op, pair[0], pair[1]);
        return data;
    }

    [Theory]
    [MemberData(nameof(BroadcastCases))]
    public void BinaryOperator_BroadcastShapes_MatchesFiniteDifferencesForBothOperands(string op, int[] aShape, int[] bShape)
    {
        var rng = new Rng(11);
        var a = GradCheck.RandomAwayFromZero(rng, 0.5, 1.5, aShape);
        var b = GradCheck.RandomAwayFromZero(rng, 0.5, 1.5, bShape);
        Func<Tensor> f = op switch
        {
            "+" => () => a + b,
            "-" => () => a - b,
            "*" => () => a * b,
            _ => () => a / b,
        };
        GradCheck.Assert(f, a, b);
    }

    [Fact]
    public void ScalarOperators_EitherSide_MatchFiniteDifferences()
    {
        var x = GradCheck.RandomAwayFromZero(new Rng(12), 0.5, 1.5, 3, 5);
        GradCheck.Assert(() => x + 2f, x);
        GradCheck.Assert(() => 2f + x, x);
        GradCheck.Assert(() => x - 0.5f, x);
        GradCheck.Assert(() => 0.5f - x, x);
        GradCheck.Assert(() => x * 3f, x);
        GradCheck.Assert(() => 3f * x, x);
        GradCheck.Assert(() => x / 4f, x);
        GradCheck.Assert(() => 4f / x, x);
        GradCheck.Assert(() => -x, x);
    }

    [Fact]
    public void TwoLayerNetwork_WithCrossEntropy_MatchesFiniteDifferencesForEveryParameter()
    {
        var rng = new Rng(13);
        var hidden = new Linear(6, 5);
        var output = new Linear(5, 3);
        hidden.ResetParameters(rng);
        output.ResetParameters(rng);
        Tensor[] parameters = [hidden.Weight, hidden.Bias!, output.Weight, output.Bias!];
        foreach (var p in parameters) p.CastInPlace(DType.Float64);
        var x = GradCheck.Random(rng, -1, 1, 7, 6);
        var labels = Tensor.FromArray(new[] { 0, 1, 2, 2, 1, 0, 1 }, 7);
        GradCheck.Assert(
            () => Ops.CrossEntropy(output.Forward(Ops.Tanh(hidden.Forward(x))), labels)
                + Ops.MseLoss(Ops.Sigmoid(hidden.Forward(x)), Ops.Relu(hidden.Forward(x))),
            [x, .. parameters]);
    }
}
