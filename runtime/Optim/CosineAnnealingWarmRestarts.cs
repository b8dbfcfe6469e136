namespace ModelGen.Optim;

/// <summary>
/// SGDR, cosine annealing with warm restarts (Loshchilov &amp; Hutter 2017), as
/// <c>torch.optim.lr_scheduler.CosineAnnealingWarmRestarts</c>:
/// <c>η = η_min + (η₀ − η_min)·(1 + cos(π·T_cur / T_i)) / 2</c>, where T_cur counts the steps since the last restart
/// and the i-th cycle lasts T_i = T₀·T_multⁱ steps. Each Step: T_cur ← T_cur + 1, and when T_cur ≥ T_i,
/// T_cur ← T_cur − T_i and T_i ← T_i·T_mult.
/// </summary>
public sealed class CosineAnnealingWarmRestarts : LRScheduler
{
    /// <summary>Creates the schedule and applies t = 0 (T_cur = 0, T_i = T₀).</summary>
    /// <param name="optimizer">The optimizer whose groups to schedule.</param>
    /// <param name="t0">T₀ ≥ 1, the length of the first cycle.</param>
    /// <param name="tMult">T_mult ≥ 1, the factor by which each cycle is longer than the one before.</param>
    /// <param name="etaMin">η_min, the rate at the end of each cycle.</param>
    public CosineAnnealingWarmRestarts(IOptimizer optimizer, int t0, int tMult = 1, double etaMin = 0) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(t0, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tMult, 1);
        T0 = t0;
        TMult = tMult;
        EtaMin = etaMin;
        Start();
    }

    /// <summary>T₀, the length of the first cycle.</summary>
    public int T0 { get; }

    /// <summary>T_mult, the growth of each cycle.</summary>
    public int TMult { get; }

    /// <summary>η_min.</summary>
    public double EtaMin { get; }

    /// <summary>T_cur: steps since the last restart.</summary>
    public int TCur { get; private set; }

    /// <summary>T_i: the length of the current cycle.</summary>
    public int TI { get; private set; }

    private protected override void Advance(int epoch, bool jumped)
    {
        if (!jumped)
        {
            TCur++;
            if (TCur >= TI)
            {
                TCur -= TI;
                TI *= TMult;
            }
            return;
        }
        // torch's step(epoch): find the cycle that holds the epoch.
        if (epoch < T0)
        {
            TI = T0;
            TCur = epoch;
        }
        else if (TMult == 1)
        {
            TI = T0;
            TCur = epoch % T0;
        }
        else
        {
            int n = (int)Math.Log(epoch / (double)T0 * (TMult - 1) + 1, TMult);
            int power = (int)Math.Pow(TMult, n);
            TCur = epoch - T0 * (power - 1) / (TMult - 1);
            TI = T0 * power;
        }
    }

    private protected override double LearningRateAt(int group, double baseLearningRate, int epoch)
        => EtaMin + (baseLearningRate - EtaMin) * (1 + Math.Cos(Math.PI * TCur / TI)) / 2;

    private protected override void SaveCounters(Dictionary<string, Tensor> state)
    {
        state["T_cur"] = StateTensors.Scalar(TCur);
        state["T_i"] = StateTensors.Scalar(TI);
    }

    private protected override void LoadCounters(IReadOnlyDictionary<string, Tensor> state)
    {
        TCur = (int)StateTensors.RequireScalar(state, "T_cur");
        TI = (int)StateTensors.RequireScalar(state, "T_i");
    }
}
