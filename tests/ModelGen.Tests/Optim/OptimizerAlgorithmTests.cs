using ModelGen.Optim;
using ModelGen.Tests.Runtime;
using Xunit;

namespace ModelGen.Tests.Optim;

/// <summary>
/// RMSprop, Adagrad, Adadelta, Lion, LAMB and Adam/AdamW with amsgrad against <see cref="OptimizerCase.Reference"/>,
/// plus a few first steps worked out by hand, convergence on a quadratic, dtypes, masks and allocation.
/// </summary>
public class OptimizerAlgorithmTests
{
    private static readonly double[] Start = [0.5, -1.25, 2, 0.125, -0.75, 1.5, -2.5, 0.0, 3.0];

    // Depends on the parameter and the step, so running averages see changing inputs; element 7 starts at 0 with a
    // zero first gradient (sign(0), a zero accumulator).
    private static double Gradient(double theta, int index, int step) =>
        index == 7 && step == 1 ? 0 : 0.5 * theta * theta - 0.3 * index + 0.2 * step - theta;

    public static TheoryData<string> Cases() => [.. OptimizerCase.All.Keys];

    private static double[] Run(OptimizerCase c, DType dtype, int steps)
    {
        var value = Tensor.FromArray(Start, Start.Length);
        value.CastInPlace(dtype);
        var parameter = new Parameter("theta", value);
        IOptimizer optimizer = c.Create([parameter]);
        for (int t = 1; t <= steps; t++)
        {
            double[] current = value.ToArrayFloat64();
            for (int i = 0; i < current.Length; i++)
            {
                double g = Gradient(current[i], i, t);
                if (dtype == DType.Float32) parameter.Grad.AsSpan()[i] = (float)g;
                else parameter.Grad.AsSpanFloat64()[i] = g;
            }
            optimizer.Step();
        }
        return value.ToArrayFloat64();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_Float64_MatchesTheReference(string name)
    {
        var c = OptimizerCase.All[name];
        foreach (int steps in new[] { 1, 2, 3, 7 })
        {
            double[] expected = c.Reference(Start, Gradient, steps), actual = Run(c, DType.Float64, steps);
            Assert.True(GradCheck.MaxRelativeError(expected, actual) <= 1e-12, $"{name} after {steps}: {string.Join(", ", actual)} vs {string.Join(", ", expected)}");
        }
        Assert.NotEqual(Start, Run(c, DType.Float64, 3));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_Float32_MatchesTheReference(string name)
    {
        var c = OptimizerCase.All[name];
        double[] expected = c.Reference(Start, Gradient, 5), actual = Run(c, DType.Float32, 5);
        Assert.True(GradCheck.MaxRelativeError(expected, actual) <= 2e-5, $"{name}: {string.Join(", ", actual)} vs {string.Join(", ", expected)}");
    }

    [Fact]
    public void FirstSteps_HandWorked_MatchTheDocumentedRules()
    {
        // θ = [1, −2, 0.5], g = [0.3, −0.1, 0] on every step.
        double[] Run3(IOptimizer optimizer, Parameter p, int steps)
        {
            for (int t = 0; t < steps; t++)
            {
                p.Grad.AsSpanFloat64()[0] = 0.3; p.Grad.AsSpanFloat64()[1] = -0.1; p.Grad.AsSpanFloat64()[2] = 0;
                optimizer.Step();
            }
            return p.Value.ToArrayFloat64();
        }
        Parameter P() => new("w", Tensor.FromArray(new[] { 1.0, -2.0, 0.5 }, 3));

        // Lion, lr 0.1: m = 0 so sign(β₁·0 + (1 − β₁)g) = sign(g) = [1, −1, 0]: θ = [0.9, −1.9, 0.5]; step 2: m = 0.01·g,
        // c = 0.9·0.01g + 0.1g, same sign: [0.8, −1.8, 0.5].
        var lion = P();
        Assert.Equal(new[] { 0.9, -1.9, 0.5 }, Run3(new Lion([lion], lr: 0.1), lion, 1), new Tolerance(1e-15));
        lion = P();
        Assert.Equal(new[] { 0.8, -1.8, 0.5 }, Run3(new Lion([lion], lr: 0.1), lion, 2), new Tolerance(1e-15));

        // RMSprop, lr 0.01, α 0.99: v = 0.01·g², √v = 0.1|g|: θ −= 0.01·g/(0.1|g| + 1e-8) ≈ 0.1·sign(g):
        // [1 − 0.003/0.03000001, −2 + 0.001/0.01000001, 0.5] = [0.900000003, −1.90000001, 0.5].
        var rms = P();
        Assert.Equal(new[] { 1 - 0.003 / 0.03000001, -2 + 0.001 / 0.01000001, 0.5 }, Run3(new RMSprop([rms]), rms, 1), new Tolerance(1e-15));

        // Adagrad, lr 0.1, initial accumulator 1: s = 1 + g² = [1.09, 1.01, 1]; θ −= 0.1·g/(√s + 1e-10):
        // [1 − 0.03/1.0440306509, −2 + 0.01/1.0049875621, 0.5] = [0.9712652114, −1.9900496281, 0.5].
        var adagrad = P();
        Assert.Equal(new[] { 0.9712652114, -1.9900496281, 0.5 }, Run3(new Adagrad([adagrad], lr: 0.1, initialAccumulatorValue: 1), adagrad, 1), new Tolerance(1e-9));

        // Adadelta, lr 1, ρ 0.9, ε 1e-6: v = 0.1·g² = [0.009, 0.001, 0]; Δ = g·√(0 + 1e-6)/√(v + 1e-6)
        // = [0.3·0.001/0.0948736, −0.1·0.001/0.0316386, 0] = [0.0031621020, −0.0031606977, 0].
        var adadelta = P();
        Assert.Equal(new[] { 1 - 0.0031621020, -2 + 0.0031606977, 0.5 }, Run3(new Adadelta([adadelta]), adadelta, 1), new Tolerance(1e-9));

        // LAMB, lr 0.1, decay 0: r = m̂/(√v̂ + ε) = g/(|g| + 1e-6) ≈ [1, −1, 0]; ‖θ‖ = √5.25 = 2.2912878, ‖r‖ ≈ √2
        // (less a hair): q = 1.6201960; θ −= 0.1·q·r: [1 − 0.16201906, −2 + 0.16201798, 0.5].
        var lamb = P();
        Assert.Equal(new[] { 0.8379809, -1.8379820, 0.5 }, Run3(new Lamb([lamb], lr: 0.1), lamb, 1), new Tolerance(1e-6));
    }

    [Fact]
    public void Adam_AmsGrad_UsesTheRunningMaximumOfTheSecondMoment()
    {
        // g = 1 then 0.1 with β₂ = 0.5: v = 0.5, then 0.255; amsgrad keeps 0.5. β₁ = 0, lr 1, ε 0, so the step is
        // g / (√(v̂max)) with v̂max = vmax/(1 − 0.25) on step 2: 0.1/√(0.5/0.75) = 0.12247449 (without: 0.1/√(0.255/0.75) = 0.17149859).
        foreach (var (amsgrad, expected) in new[] { (true, 0.12247448713915890), (false, 0.17149858514250882) })
        {
            var p = new Parameter("w", Tensor.FromArray(new[] { 0.0 }, 1));
            var adam = new Adam([p], lr: 1, beta1: 0, beta2: 0.5, eps: 0, amsgrad: amsgrad);
            p.Grad.AsSpanFloat64()[0] = 1;
            adam.Step();
            double afterFirst = p.Value.ItemFloat64();
            p.Grad.AsSpanFloat64()[0] = 0.1;
            adam.Step();
            Assert.Equal(-1.0, afterFirst, 1e-15);
            Assert.Equal(expected, afterFirst - p.Value.ItemFloat64(), 1e-14);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_Quadratic_ConvergesToTheMinimum(string name)
    {
        double[] target = [3, -2, 0.5, 1.25, -4];
        double[] curvature = [1, 10, 0.1, 2, 5];
        var theta = new Parameter("theta", Tensor.Zeros(5));
        var c = OptimizerCase.All[name];
        // Lion and Adagrad-style steps are sized by lr; give each a rate that suits a distance of a few units.
        var tuned = c.Kind switch
        {
            "lion" => c with { Lr = 0.01, WeightDecay = 0 },
            "lamb" => c with { Lr = 0.05, WeightDecay = 0 },
            "adadelta" => c with { Lr = 1, WeightDecay = 0, Eps = 1e-2 },
            "rmsprop" => c with { Lr = 0.01, WeightDecay = 0 },
            "adagrad" => c with { Lr = 0.5, WeightDecay = 0, LrDecay = 0 },
            _ => c with { Lr = 0.05, WeightDecay = 0 },
        };
        IOptimizer optimizer = tuned.Create([theta]);
        // Annealed, so that optimizers whose step size does not shrink near the minimum (Lion's sign, LAMB's trust
        // ratio) settle instead of oscillating around it.
        var schedule = new CosineAnnealingLR(optimizer, totalSteps: 3000);
        double start = Objective(theta.Value.ToArrayFloat64(), target, curvature);
        for (int step = 0; step < 3000; step++)
        {
            var v = theta.Value.AsSpan();
            for (int i = 0; i < 5; i++) theta.Grad.AsSpan()[i] = (float)(2 * curvature[i] * (v[i] - target[i]));
            optimizer.Step();
            schedule.Step();
        }
        double end = Objective(theta.Value.ToArrayFloat64(), target, curvature);
        Assert.True(end < 1e-3 * start, $"{name}: loss {start} -> {end}");
    }

    private static double Objective(double[] theta, double[] target, double[] curvature) =>
        theta.Select((x, i) => curvature[i] * (x - target[i]) * (x - target[i])).Sum();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_AfterWarmUp_AllocatesNothing(string name)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var parameters = new[] { new Parameter("a", Tensor.Zeros(dtype, 3, 5)), new Parameter("b", Tensor.Zeros(dtype, 5)) };
            foreach (var p in parameters) p.Grad.FillWith(0.25);
            IOptimizer optimizer = OptimizerCase.All[name].Create(parameters);
            for (int i = 0; i < 3; i++) optimizer.Step();
            Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 20; i++) optimizer.Step(); }));
        }
    }

    [Fact]
    public void Lamb_WithMask_PrunedStayExactlyZeroAndTheTrustRatioSeesOnlyKeptWeights()
    {
        // LAMB's step depends on the whole tensor's norms, so a masked run cannot match an unmasked one element for
        // element; it must match an unmasked run on the kept elements alone.
        double[] values = [0.5, -1.5, 2, 0.25, -0.75, 1];
        bool[] keep = [true, false, true, true, false, true];
        var masked = new Parameter("w", Tensor.FromArray(values, 6));
        var kept = new Parameter("k", Tensor.FromArray(values.Where((_, i) => keep[i]).ToArray(), 4));
        masked.SetMask(keep);
        var a = new Lamb([masked], lr: 0.05, weightDecay: 0.1);
        var b = new Lamb([kept], lr: 0.05, weightDecay: 0.1);
        for (int step = 0; step < 4; step++)
        {
            for (int i = 0, k = 0; i < 6; i++)
            {
                double g = Math.Cos(i + step);
                masked.Grad.AsSpanFloat64()[i] = g;
                if (keep[i]) kept.Grad.AsSpanFloat64()[k++] = g;
            }
            a.Step();
            b.Step();
        }
        double[] result = masked.Value.ToArrayFloat64();
        Assert.Equal(kept.Value.ToArrayFloat64(), result.Where((_, i) => keep[i]).ToArray());
        Assert.All(result.Where((_, i) => !keep[i]), x => Assert.Equal(0L, BitConverter.DoubleToInt64Bits(x)));
    }

    [Fact]
    public void Constructors_InvalidHyperParameters_ThrowWithPyTorchWording()
    {
        Parameter[] ps = [new Parameter("a", Tensor.Zeros(2))];
        AssertMessage("Invalid alpha value: -0.5", () => new RMSprop(ps, alpha: -0.5));
        AssertMessage("Invalid momentum value: -1", () => new RMSprop(ps, momentum: -1));
        AssertMessage("Invalid lr_decay value: -0.1", () => new Adagrad(ps, lrDecay: -0.1));
        AssertMessage("Invalid initial_accumulator_value value: -1", () => new Adagrad(ps, initialAccumulatorValue: -1));
        AssertMessage("Invalid rho value: 1.5", () => new Adadelta(ps, rho: 1.5));
        AssertMessage("Invalid beta parameter at index 1: 1", () => new Lion(ps, beta2: 1));
        AssertMessage("Invalid epsilon value: -1", () => new Lamb(ps, eps: -1));
        AssertMessage("Invalid learning rate: -1", () => new Lamb(ps, lr: -1));
        AssertMessage("Invalid weight_decay value: -1", () => new Lion(ps, weightDecay: -1));
    }

    private static void AssertMessage(string expected, Func<object> create)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => create());
        Assert.StartsWith(expected, error.Message);
    }
}

/// <summary>Tolerance comparer for arrays of doubles.</summary>
internal sealed class Tolerance(double absolute) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= absolute;

    public int GetHashCode(double obj) => 0;
}

internal static class GradientFill
{
    public static void FillWith(this Tensor grad, double value)
    {
        if (grad.DType == DType.Float32) grad.AsSpan().Fill((float)value);
        else grad.AsSpanFloat64().Fill(value);
    }
}
