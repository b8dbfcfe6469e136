using ModelGen.Generator.Passes;
using ModelGen.Quantization;
using Xunit;
using static ModelGen.Ops;

namespace ModelGen.Tests.Compiled;

/// <summary>A model every optimisation pass changes, so that each switch has something to switch off.</summary>
[Model]
public sealed partial class PassNet
{
    readonly Linear a = new(6, 10, bias: false);  // a bias before batch norm would have a zero gradient
    readonly BatchNorm1d bn = new(10);
    readonly Linear b = new(10, 10);
    readonly Linear head = new(10, 4);

    public Tensor Forward([Shape("B", 6)] Tensor x)
    {
        var h = Relu(bn.Forward(a.Forward(x)));        // FoldBatchNorm (inference); ReLU and bias in epilogues
        var u = Tanh(b.Forward(h)) * 1f;                // RemoveIdentities: x·1
        var v = Tanh(b.Forward(h));                     // EliminateCommonSubexpressions: the same value again
        var g = (u - v * 0.5f) * Sigmoid(u) + 0f;       // FuseElementwise: one loop; RemoveIdentities: x+0
        return head.Forward(g * 0.5f);
    }

    [Loss]
    public Tensor Loss(Tensor logits, [Shape("B")] Tensor labels) => CrossEntropy(logits, labels) * 0.5f * 3f; // FoldConstants: 3·0.5 in the gradient
}

/// <summary>
/// <see cref="CompileOptions.Passes"/>: every compiled setting runs a schedule that matches eager, each single switch
/// changes what runs, and the settings that were not compiled are refused.
/// </summary>
public class PassSwitchTests
{
    private const OptimizationPasses All = OptimizationPasses.All;

    /// <summary>The settings the generator compiles (PassSwitches.CompiledSettings), as the runtime enum.</summary>
    public static TheoryData<OptimizationPasses> CompiledSettings()
    {
        var data = new TheoryData<OptimizationPasses>();
        foreach (PassSwitch setting in PassSwitches.CompiledSettings()) data.Add((OptimizationPasses)(int)setting);
        return data;
    }

    public static TheoryData<OptimizationPasses> SinglePasses()
    {
        var data = new TheoryData<OptimizationPasses>();
        foreach (PassSwitch single in PassSwitches.Singles) data.Add((OptimizationPasses)(int)single);
        return data;
    }

    /// <summary>Eager in evaluation mode after two training batches moved the running statistics.</summary>
    private static ModelCase Case(OptimizationPasses passes) => new($"PassNet {passes}", [6], 4, 4, seed =>
    {
        var m = new PassNet();
        m.Initialize(seed);
        m.Train();
        m.Forward(ModelHarness.RandomInput(8, [6], 100));
        m.Forward(ModelHarness.RandomInput(8, [6], 101));
        var c = m.Compile(new CompileOptions { MaxBatch = 32, Passes = passes });
        return new ModelInstance(m,
            x => { m.Eval(); Tensor y = m.Forward(x); m.Train(); return y; },
            (x, y) => { m.Train(); return m.Loss(m.Forward(x), y); },
            c.Forward, c.ComputeGradients);
    });

    [Theory, MemberData(nameof(CompiledSettings))]
    public void CompiledForward_EachCompiledSetting_MatchesEager(OptimizationPasses passes)
        => ModelAssertions.ForwardMatchesEager(Case(passes), 1, 3, 29);

    [Theory, MemberData(nameof(CompiledSettings))]
    public void CompiledGradients_EachCompiledSetting_MatchEager(OptimizationPasses passes)
        => ModelAssertions.GradientsMatchEager(Case(passes));

    [Theory, MemberData(nameof(SinglePasses))]
    public void Switch_OnePassOff_RunsAScheduleOfItsOwn(OptimizationPasses pass)
    {
        // Each pass changes PassNet, so switching it off alone must run other code: more kernels in Forward or
        // ComputeGradients, or (batch-norm folding swaps one kernel for another) results that round differently.
        int forwardOn = PassNet.Compiled.CountForwardKernels(All), forwardOff = PassNet.Compiled.CountForwardKernels(All & ~pass);
        int trainOn = PassNet.Compiled.CountTrainKernels(All), trainOff = PassNet.Compiled.CountTrainKernels(All & ~pass);
        Assert.True(forwardOff >= forwardOn && trainOff >= trainOn, $"{pass} off: forward {forwardOff} vs {forwardOn}, training {trainOff} vs {trainOn}");
        if (forwardOff > forwardOn || trainOff > trainOn) return;
        ModelInstance on = Case(All).Create(4), off = Case(All & ~pass).Create(4);
        Tensor x = ModelHarness.RandomInput(6, [6], 2);
        Assert.NotEqual(on.CompiledForward(x).ToArray(), off.CompiledForward(x).ToArray());
    }

    [Fact]
    public void KernelCount_NoPasses_RunsMostKernels()
    {
        Assert.True(PassNet.Compiled.CountForwardKernels(OptimizationPasses.None) > PassNet.Compiled.CountForwardKernels(All & ~OptimizationPasses.Fusion));
        Assert.Equal(PassNet.Compiled.ForwardKernelsWithoutFusion, PassNet.Compiled.CountForwardKernels(All & ~OptimizationPasses.Fusion));
        Assert.Equal(PassNet.Compiled.TrainKernels, PassNet.Compiled.CountTrainKernels(All));
    }

    [Fact]
    public void FusionFalse_ClearsTheFusionPasses()
    {
        var options = new CompileOptions { Fusion = false, Passes = All & ~OptimizationPasses.FoldConstants };
        Assert.Equal(OptimizationPasses.GraphPruning & ~OptimizationPasses.FoldConstants, options.EnabledPasses);
    }

    [Fact]
    public void Compile_SettingNotCompiled_ThrowsNamingTheSettings()
    {
        var m = new PassNet();
        m.Initialize(0);
        var passes = All & ~(OptimizationPasses.FuseElementwise | OptimizationPasses.FoldConstants);
        var e = Assert.Throws<NotSupportedException>(() => m.Compile(new CompileOptions { Passes = passes }));
        Assert.Contains("every pass but one", e.Message);
        Assert.Throws<NotSupportedException>(() => PassNet.Compiled.CountForwardKernels(passes));
    }

    [Fact]
    public void Validate_UnknownPassBits_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new CompileOptions { Passes = (OptimizationPasses)64 }.Validate());

    [Fact]
    public void Validate_QuantizationWithAPassOff_Throws()
    {
        var calibration = new[] { Tensor.Zeros(2, 6) };
        var options = new CompileOptions { Passes = All & ~OptimizationPasses.FoldConstants, Quantization = QuantizationOptions.Int8(calibration) };
        Assert.Throws<ArgumentException>(() => options.Validate());
    }

    [Fact]
    public void OptimizationPasses_HasTheGeneratorsBitValues()
    {
        // Generated schedule tables are indexed by the runtime enum's value and filled from the generator's.
        string[] names = Enum.GetNames<OptimizationPasses>();
        Assert.Equal(Enum.GetNames(typeof(PassSwitch)).OrderBy(n => n), names.OrderBy(n => n));
        foreach (string name in names)
            Assert.Equal((int)Enum.Parse<PassSwitch>(name), (int)Enum.Parse<OptimizationPasses>(name));
    }
}
