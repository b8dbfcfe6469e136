using ModelGen.Optim;

namespace ModelGen.Tests.Optim;

/// <summary>
/// One optimizer configuration, and its algorithm written out in float64 straight from torch.optim's documentation
/// (or the paper, for Lion and LAMB), one element at a time: the reference the implementations are held to. It
/// shares nothing with the runtime's code but the hyper-parameter names.
/// </summary>
public sealed record OptimizerCase(string Kind, double Lr, double Alpha = 0.99, double Eps = 1e-8, double WeightDecay = 0,
    double Momentum = 0, bool Centered = false, double LrDecay = 0, double InitialAccumulator = 0, double Rho = 0.9,
    double Beta1 = 0.9, double Beta2 = 0.999, bool AmsGrad = false)
{
    public static readonly Dictionary<string, OptimizerCase> All = new()
    {
        ["rmsprop"] = new("rmsprop", 0.01),
        ["rmsprop-centered"] = new("rmsprop", 0.01, Alpha: 0.9, Centered: true),
        ["rmsprop-momentum-decay"] = new("rmsprop", 0.005, Alpha: 0.95, Eps: 1e-6, WeightDecay: 0.1, Momentum: 0.8),
        ["rmsprop-all"] = new("rmsprop", 0.005, Alpha: 0.9, WeightDecay: 0.05, Momentum: 0.5, Centered: true),
        ["adagrad"] = new("adagrad", 0.1, Eps: 1e-10),
        ["adagrad-decay-accumulator"] = new("adagrad", 0.1, Eps: 1e-10, WeightDecay: 0.1, LrDecay: 0.2, InitialAccumulator: 0.5),
        ["adadelta"] = new("adadelta", 1.0, Eps: 1e-6),
        ["adadelta-decay"] = new("adadelta", 0.5, Eps: 1e-4, WeightDecay: 0.1, Rho: 0.8),
        ["lion"] = new("lion", 1e-2, Beta1: 0.9, Beta2: 0.99),
        ["lion-decay"] = new("lion", 3e-2, WeightDecay: 0.5, Beta1: 0.8, Beta2: 0.95),
        ["lamb"] = new("lamb", 1e-2, Eps: 1e-6),
        ["lamb-decay"] = new("lamb", 2e-2, Eps: 1e-6, WeightDecay: 0.1, Beta1: 0.8, Beta2: 0.9),
        ["adam-amsgrad"] = new("adam", 0.02, WeightDecay: 0.05, Beta1: 0.5, Beta2: 0.75, Eps: 1e-3, AmsGrad: true),
        ["adamw-amsgrad"] = new("adamw", 0.02, WeightDecay: 0.1, Beta1: 0.8, Beta2: 0.6, AmsGrad: true),
    };

    public IOptimizer Create(IEnumerable<Parameter> parameters) => Create([new ParamGroup(parameters)]);

    public IOptimizer Create(IEnumerable<ParamGroup> parameters) => Kind switch
    {
        "rmsprop" => new RMSprop(parameters, Lr, Alpha, Eps, WeightDecay, Momentum, Centered),
        "adagrad" => new Adagrad(parameters, Lr, LrDecay, WeightDecay, InitialAccumulator, Eps),
        "adadelta" => new Adadelta(parameters, Lr, Rho, Eps, WeightDecay),
        "lion" => new Lion(parameters, Lr, Beta1, Beta2, WeightDecay),
        "lamb" => new Lamb(parameters, Lr, Beta1, Beta2, Eps, WeightDecay),
        "adam" => new Adam(parameters, Lr, Beta1, Beta2, Eps, WeightDecay, AmsGrad),
        "adamw" => new AdamW(parameters, Lr, Beta1, Beta2, Eps, WeightDecay, AmsGrad),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };

    /// <summary>Runs <paramref name="steps"/> steps from <paramref name="start"/> with gradients from <paramref name="gradient"/>(θ, i, t).</summary>
    public double[] Reference(double[] start, Func<double, int, int, double> gradient, int steps)
    {
        var theta = (double[])start.Clone();
        int n = theta.Length;
        double[] a = new double[n], b = new double[n], c = new double[n];
        if (Kind == "adagrad") Array.Fill(a, InitialAccumulator);
        for (int t = 1; t <= steps; t++)
        {
            double[] g = new double[n];
            for (int i = 0; i < n; i++) g[i] = gradient(theta[i], i, t);
            if (Kind == "lamb")
            {
                LambStep(theta, g, a, b, t);
                continue;
            }
            for (int i = 0; i < n; i++) theta[i] = ElementStep(theta[i], g[i], ref a[i], ref b[i], ref c[i], t);
        }
        return theta;
    }

    // a, b, c: the element's state (RMSprop: v, buffer, mean; Adagrad: sum; Adadelta: v, u; Lion: m; Adam: m, v, vmax).
    private double ElementStep(double p, double g, ref double a, ref double b, ref double c, int t)
    {
        switch (Kind)
        {
            case "rmsprop":
                {
                    g += WeightDecay * p;
                    a = Alpha * a + (1 - Alpha) * g * g;
                    double v = a;
                    if (Centered)
                    {
                        c = Alpha * c + (1 - Alpha) * g;
                        v -= c * c;
                    }
                    if (Momentum > 0)
                    {
                        b = Momentum * b + g / (Math.Sqrt(v) + Eps);
                        return p - Lr * b;
                    }
                    return p - Lr * g / (Math.Sqrt(v) + Eps);
                }
            case "adagrad":
                {
                    double clr = Lr / (1 + (t - 1) * LrDecay);
                    g += WeightDecay * p;
                    a += g * g;
                    return p - clr * g / (Math.Sqrt(a) + Eps);
                }
            case "adadelta":
                {
                    g += WeightDecay * p;
                    a = Rho * a + (1 - Rho) * g * g;
                    double delta = Math.Sqrt(b + Eps) / Math.Sqrt(a + Eps) * g;
                    b = Rho * b + (1 - Rho) * delta * delta;
                    return p - Lr * delta;
                }
            case "lion":
                {
                    p *= 1 - Lr * WeightDecay;
                    double update = Math.Sign(Beta1 * a + (1 - Beta1) * g);
                    a = Beta2 * a + (1 - Beta2) * g;
                    return p - Lr * update;
                }
            default: // adam, adamw
                {
                    if (Kind == "adamw") p -= Lr * WeightDecay * p;
                    else g += WeightDecay * p;
                    a = Beta1 * a + (1 - Beta1) * g;
                    b = Beta2 * b + (1 - Beta2) * g * g;
                    double second = b;
                    if (AmsGrad)
                    {
                        c = Math.Max(c, b);
                        second = c;
                    }
                    double mHat = a / (1 - Math.Pow(Beta1, t)), vHat = second / (1 - Math.Pow(Beta2, t));
                    return p - Lr * mHat / (Math.Sqrt(vHat) + Eps);
                }
        }
    }

    private void LambStep(double[] theta, double[] g, double[] m, double[] v, int t)
    {
        var r = new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            m[i] = Beta1 * m[i] + (1 - Beta1) * g[i];
            v[i] = Beta2 * v[i] + (1 - Beta2) * g[i] * g[i];
            r[i] = m[i] / (1 - Math.Pow(Beta1, t)) / (Math.Sqrt(v[i] / (1 - Math.Pow(Beta2, t))) + Eps) + WeightDecay * theta[i];
        }
        double wNorm = Math.Sqrt(theta.Sum(x => x * x)), rNorm = Math.Sqrt(r.Sum(x => x * x));
        double ratio = wNorm > 0 && rNorm > 0 ? wNorm / rNorm : 1;
        for (int i = 0; i < theta.Length; i++) theta[i] -= Lr * ratio * r[i];
    }
}
