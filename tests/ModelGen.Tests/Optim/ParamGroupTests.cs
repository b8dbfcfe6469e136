using ModelGen.Optim;
using ModelGen.Tests.Models;
using Xunit;

namespace ModelGen.Tests.Optim;

/// <summary>Parameter groups: per-group learning rate and weight decay, the LearningRate rule, and the no-decay recipe.</summary>
public class ParamGroupTests
{
    private static Parameter Vector(string name, params double[] values) => new(name, Tensor.FromArray(values, values.Length));

    [Fact]
    public void Sgd_TwoGroups_EachFollowsItsOwnRateAndDecay()
    {
        // Group a: lr 0.1, decay 0.5 (the defaults); group b: lr 0.01, decay 0. Gradient 1 everywhere.
        // a: θ − 0.1·(1 + 0.5·θ) = 2 − 0.1·2 = 1.8; b: 2 − 0.01·1 = 1.99.
        Parameter a = Vector("a", 2, 2), b = Vector("b", 2);
        var optimizer = new Sgd([new ParamGroup([a]), new ParamGroup([b], lr: 0.01, weightDecay: 0)], lr: 0.1, weightDecay: 0.5);
        a.Grad.AsSpanFloat64().Fill(1);
        b.Grad.AsSpanFloat64().Fill(1);
        optimizer.Step();
        Assert.Equal([1.8, 1.8], a.Value.ToArrayFloat64(), new Tolerance(1e-15));
        Assert.Equal(1.99, b.Value.ItemFloat64(), 1e-15);
        Assert.Equal([0.1, 0.01], optimizer.ParamGroups.Select(g => g.LearningRate));
        Assert.Equal([0.5, 0.0], optimizer.ParamGroups.Select(g => g.WeightDecay));
    }

    [Fact]
    public void Adam_Groups_MatchSeparateOptimizersPerGroup()
    {
        Parameter a = Vector("a", 0.5, -1), b = Vector("b", 2, 0.25), a2 = Vector("a", 0.5, -1), b2 = Vector("b", 2, 0.25);
        var grouped = new Adam([new ParamGroup([a], lr: 0.05), new ParamGroup([b], weightDecay: 0.2)], lr: 0.01);
        var separateA = new Adam([a2], lr: 0.05);
        var separateB = new Adam([b2], lr: 0.01, weightDecay: 0.2);
        for (int t = 0; t < 4; t++)
        {
            foreach (var p in new[] { a, b, a2, b2 })
            {
                var v = p.Value.AsSpanFloat64();
                for (int i = 0; i < v.Length; i++) p.Grad.AsSpanFloat64()[i] = Math.Sin(v[i] + t);
            }
            grouped.Step();
            separateA.Step();
            separateB.Step();
        }
        Assert.Equal(a2.Value.ToArrayFloat64(), a.Value.ToArrayFloat64());
        Assert.Equal(b2.Value.ToArrayFloat64(), b.Value.ToArrayFloat64());
    }

    [Fact]
    public void LearningRate_Set_KeepsTheGroupsRatios()
    {
        // Groups built at 0.1 and 0.02 (ratio 1/5): setting 0.05 gives 0.05 and 0.01; the getter reads group 0.
        var optimizer = new RMSprop([new ParamGroup([Vector("a", 1)]), new ParamGroup([Vector("b", 1)], lr: 0.02)], lr: 0.1);
        optimizer.LearningRate = 0.05f;
        Assert.Equal(0.05f, optimizer.LearningRate);
        Assert.Equal(0.05, optimizer.ParamGroups[0].LearningRate, 1e-9);
        Assert.Equal(0.01, optimizer.ParamGroups[1].LearningRate, 1e-9);
        optimizer.ParamGroups[1].LearningRate = 0.3;
        Assert.Equal(0.3, optimizer.ParamGroups[1].LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.ParamGroups[0].LearningRate = -1);
    }

    [Fact]
    public void Constructor_ParameterInTwoGroups_Throws()
    {
        Parameter a = Vector("a", 1);
        var error = Assert.Throws<ArgumentException>(() => new Lion([new ParamGroup([a]), new ParamGroup([a])]));
        Assert.StartsWith("some parameters appear in more than one parameter group", error.Message);
        Assert.Throws<ArgumentException>(() => new Adagrad(Array.Empty<ParamGroup>()));
    }

    [Fact]
    public void NoDecayOnBiasAndNorm_TinyMlp_DecaysOnlyTheWeightMatrices()
    {
        var model = new TinyMlp();
        model.Initialize(5);
        ParamGroup[] groups = ParamGroups.NoDecayOnBiasAndNorm(model, weightDecay: 0.5);
        Assert.Equal(2, groups.Length);
        Assert.All(groups[0].Parameters, p => Assert.Equal(2, p.Value.Rank));
        Assert.All(groups[1].Parameters, p => Assert.Equal(1, p.Value.Rank));
        Assert.Equal(model.Parameters().Count, groups.Sum(g => g.Parameters.Count));
        Assert.Equal((0.5, 0.0), (groups[0].WeightDecay!.Value, groups[1].WeightDecay!.Value));

        // AdamW with zero gradients moves only by its decay: weights ×(1 − lr·λ) = ×0.95, biases unchanged.
        var before = model.Parameters().Select(p => p.Value.ToArray()).ToArray();
        var optimizer = new AdamW(groups, lr: 0.1);
        foreach (var p in model.Parameters()) _ = p.Grad;
        optimizer.Step();
        var parameters = model.Parameters();
        for (int i = 0; i < parameters.Count; i++)
        {
            float factor = parameters[i].Value.Rank == 2 ? 0.95f : 1f;
            Assert.Equal(before[i].Select(x => x * factor), parameters[i].Value.ToArray(), new FloatTolerance(1e-7f));
        }
    }

    private sealed class FloatTolerance(float absolute) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= absolute;

        public int GetHashCode(float obj) => 0;
    }
}
