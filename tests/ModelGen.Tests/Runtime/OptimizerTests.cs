using ModelGen;
using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// The optimizers against the torch.optim update rules, written out here independently in float64 from the
/// documentation's formulas (not from the implementation's arrangement of them).
/// </summary>
public class OptimizerTests
{
    private static readonly double[] Start = [0.5, -1.25, 2, 0.125, -0.75, 1.5, -2.5];

    // A gradient that depends on the parameter and the step, so momentum and moments see changing inputs.
    private static double Gradient(double theta, int index, int step) => 0.5 * theta * theta - 0.3 * index + 0.2 * step - theta;

    private sealed record Settings(string Kind, double Lr, double Momentum = 0, double Dampening = 0, bool Nesterov = false,
        double WeightDecay = 0, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8);

    public static TheoryData<string> Cases() =>
    [
        "sgd", "sgd-momentum", "sgd-dampening", "sgd-nesterov", "sgd-weight-decay", "sgd-momentum-weight-decay",
        "adam", "adam-weight-decay", "adam-betas", "adamw", "adamw-no-decay",
    ];

    private static Settings SettingsOf(string name) => name switch
    {
        "sgd" => new("sgd", 0.1),
        "sgd-momentum" => new("sgd", 0.1, Momentum: 0.9),
        "sgd-dampening" => new("sgd", 0.1, Momentum: 0.8, Dampening: 0.3),
        "sgd-nesterov" => new("sgd", 0.05, Momentum: 0.9, Nesterov: true),
        "sgd-weight-decay" => new("sgd", 0.1, WeightDecay: 0.01),
        "sgd-momentum-weight-decay" => new("sgd", 0.1, Momentum: 0.5, Dampening: 0.1, WeightDecay: 0.05),
        "adam" => new("adam", 0.01),
        "adam-weight-decay" => new("adam", 0.01, WeightDecay: 0.1),
        "adam-betas" => new("adam", 0.02, Beta1: 0.5, Beta2: 0.75, Eps: 1e-3),
        "adamw" => new("adamw", 0.01, WeightDecay: 0.1),
        "adamw-no-decay" => new("adamw", 0.01, WeightDecay: 0),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static IOptimizer Create(Settings s, Parameter[] parameters) => s.Kind switch
    {
        "sgd" => new Sgd(parameters, s.Lr, s.Momentum, s.Nesterov, s.WeightDecay, s.Dampening),
        "adam" => new Adam(parameters, s.Lr, s.Beta1, s.Beta2, s.Eps, s.WeightDecay),
        _ => new AdamW(parameters, s.Lr, s.Beta1, s.Beta2, s.Eps, s.WeightDecay),
    };

    /// <summary>The documented algorithms, one element at a time.</summary>
    private static double[] Reference(Settings s, int steps)
    {
        var theta = (double[])Start.Clone();
        var buffer = new double[theta.Length];
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        for (int t = 1; t <= steps; t++)
        {
            for (int i = 0; i < theta.Length; i++)
            {
                double g = Gradient(theta[i], i, t);
                if (s.Kind == "sgd")
                {
                    if (s.WeightDecay != 0) g += s.WeightDecay * theta[i];
                    if (s.Momentum != 0)
                    {
                        buffer[i] = t > 1 ? s.Momentum * buffer[i] + (1 - s.Dampening) * g : g;
                        g = s.Nesterov ? g + s.Momentum * buffer[i] : buffer[i];
                    }
                    theta[i] -= s.Lr * g;
                }
                else
                {
                    if (s.Kind == "adamw") theta[i] -= s.Lr * s.WeightDecay * theta[i];
                    else if (s.WeightDecay != 0) g += s.WeightDecay * theta[i];
                    m[i] = s.Beta1 * m[i] + (1 - s.Beta1) * g;
                    v[i] = s.Beta2 * v[i] + (1 - s.Beta2) * g * g;
                    double mHat = m[i] / (1 - Math.Pow(s.Beta1, t));
                    double vHat = v[i] / (1 - Math.Pow(s.Beta2, t));
                    theta[i] -= s.Lr * mHat / (Math.Sqrt(vHat) + s.Eps);
                }
            }
        }
        return theta;
    }

    private static double[] RunOptimizer(Settings s, DType dtype, int steps)
    {
        var value = Tensor.FromArray(Start, 7);
        value.CastInPlace(dtype);
        var parameter = new Parameter("theta", value);
        IOptimizer optimizer = Create(s, [parameter]);
        for (int t = 1; t <= steps; t++)
        {
            double[] current = value.ToArrayFloat64();
            var grad = parameter.Grad;
            for (int i = 0; i < current.Length; i++)
            {
                double g = Gradient(current[i], i, t);
                if (dtype == DType.Float32) grad.AsSpan()[i] = (float)g;
                else grad.AsSpanFloat64()[i] = g;
            }
            optimizer.Step();
        }
        return value.ToArrayFloat64();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_Float64_MatchesTorchFormulas(string name)
    {
        var settings = SettingsOf(name);
        double[] expected = Reference(settings, steps: 6);
        double[] actual = RunOptimizer(settings, DType.Float64, steps: 6);
        Assert.True(GradCheck.MaxRelativeError(expected, actual) <= 1e-12, $"{name}: {string.Join(", ", actual)} vs {string.Join(", ", expected)}");
        Assert.NotEqual(Start, actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_Float32_MatchesTorchFormulas(string name)
    {
        var settings = SettingsOf(name);
        double[] expected = Reference(settings, steps: 6);
        double[] actual = RunOptimizer(settings, DType.Float32, steps: 6);
        Assert.True(GradCheck.MaxRelativeError(expected, actual) <= 1e-5, $"{name}: {string.Join(", ", actual)} vs {string.Join(", ", expected)}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_AfterWarmUp_AllocatesNothing(string name)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var parameters = new[] { new Parameter("a", Tensor.Zeros(dtype, 3, 5)), new Parameter("b", Tensor.Zeros(dtype, 5)) };
            foreach (var p in parameters) _ = p.Grad; // allocates the gradient, as a backward pass would
            IOptimizer optimizer = Create(SettingsOf(name), parameters);
            for (int i = 0; i < 3; i++) optimizer.Step();
            Assert.Equal(0, Allocations.SteadyState(() => { for (int i = 0; i < 20; i++) optimizer.Step(); }));
        }
    }

    [Fact]
    public void Adam_Quadratic_ConvergesToTheMinimum()
    {
        double[] target = [3, -2, 0.5, 1.25, -4];
        double[] curvature = [1, 10, 0.1, 2, 5];
        var theta = new Parameter("theta", Tensor.Zeros(5));
        var c = Tensor.FromArray(target.Select(x => (float)x).ToArray());
        var k = Tensor.FromArray(curvature.Select(x => (float)x).ToArray());
        var optimizer = new Adam([theta], lr: 0.05);
        float loss = float.NaN;
        for (int step = 0; step < 1500; step++)
        {
            optimizer.ZeroGrad();
            var difference = theta.Value - c;
            var objective = Ops.Sum(difference * difference * k);
            loss = objective.Item();
            objective.Backward();
            optimizer.Step();
        }
        Assert.True(loss < 1e-4, $"loss {loss}");
        for (int i = 0; i < target.Length; i++) Assert.Equal(target[i], theta.Value.AsSpan()[i], 2);
    }

    [Fact]
    public void Step_ParameterWithoutGradient_IsLeftAlone()
    {
        var withGrad = new Parameter("a", Tensor.FromArray(new[] { 1f }));
        var withoutGrad = new Parameter("b", Tensor.FromArray(new[] { 1f }));
        withGrad.Grad.AsSpan()[0] = 1f;
        new Adam([withGrad, withoutGrad], lr: 0.1).Step();
        Assert.NotEqual(1f, withGrad.Value.Item());
        Assert.Equal(1f, withoutGrad.Value.Item());
        Assert.Null(withoutGrad.Value.Grad);
    }

    [Fact]
    public void Step_ParametersCastAfterConstruction_FollowTheNewDType()
    {
        var parameter = new Parameter("a", Tensor.FromArray(new[] { 1f, 2f }));
        var optimizer = new Sgd([parameter], lr: 0.5, momentum: 0.9);
        parameter.Value.CastInPlace(DType.Float64);
        parameter.Grad.AsSpanFloat64().Fill(1.0);
        optimizer.Step();
        Assert.Equal(new[] { 0.5, 1.5 }, parameter.Value.ToArrayFloat64());
    }

    [Fact]
    public void LearningRate_Changed_AppliesToTheNextStep()
    {
        var parameter = new Parameter("a", Tensor.FromArray(new[] { 1f }));
        var optimizer = new Sgd([parameter], lr: 0.5);
        parameter.Grad.AsSpan()[0] = 1f;
        optimizer.LearningRate = 0.25f;
        optimizer.Step();
        Assert.Equal(0.75f, parameter.Value.Item());
        Assert.Equal(0.25f, optimizer.LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = -1f);
    }

    [Fact]
    public void Constructors_InvalidHyperParameters_ThrowWithPyTorchWording()
    {
        Parameter[] ps = [new Parameter("a", Tensor.Zeros(2))];
        AssertMessage("Invalid learning rate: -0.1", () => new Sgd(ps, lr: -0.1));
        AssertMessage("Invalid momentum value: -0.5", () => new Sgd(ps, lr: 0.1, momentum: -0.5));
        AssertMessage("Invalid weight_decay value: -1", () => new Sgd(ps, lr: 0.1, weightDecay: -1));
        AssertMessage("Nesterov momentum requires a momentum and zero dampening", () => new Sgd(ps, lr: 0.1, nesterov: true));
        AssertMessage("Nesterov momentum requires a momentum and zero dampening", () => new Sgd(ps, lr: 0.1, momentum: 0.9, nesterov: true, dampening: 0.1));
        AssertMessage("Invalid learning rate: -0.001", () => new Adam(ps, lr: -1e-3));
        AssertMessage("Invalid epsilon value: -1E-08", () => new Adam(ps, eps: -1e-8));
        AssertMessage("Invalid beta parameter at index 0: 1", () => new Adam(ps, beta1: 1));
        AssertMessage("Invalid beta parameter at index 1: -0.1", () => new AdamW(ps, beta2: -0.1));
        AssertMessage("Invalid weight_decay value: -0.01", () => new AdamW(ps, weightDecay: -0.01));
        AssertMessage("Invalid learning rate: NaN", () => new AdamW(ps, lr: double.NaN));
    }

    [Fact]
    public void Constructors_EmptyParameterList_Throw()
    {
        Assert.Throws<ArgumentException>(() => new Sgd(Array.Empty<Parameter>(), lr: 0.1));
        Assert.Throws<ArgumentException>(() => new Adam(Array.Empty<Parameter>()));
    }

    private static void AssertMessage(string expected, Func<object> create)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => create());
        Assert.StartsWith(expected, error.Message);
    }
}
