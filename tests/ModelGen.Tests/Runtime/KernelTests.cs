using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Activation and loss kernels against their formulas written out naively.</summary>
public class KernelTests
{
    private static readonly double[] Inputs = [-3.5, -1, -0.25, 0, 0.25, 1, 3.5, 20, -20];

    [Fact]
    public void Activations_Forward_MatchFormulas()
    {
        var y = new double[Inputs.Length];
        Activations.Relu<double>(Inputs, y);
        Assert.Equal(Inputs.Select(x => Math.Max(x, 0)), y);
        Activations.Sigmoid<double>(Inputs, y);
        for (int i = 0; i < y.Length; i++) Assert.Equal(1 / (1 + Math.Exp(-Inputs[i])), y[i], 1e-15);
        Activations.Tanh<double>(Inputs, y);
        for (int i = 0; i < y.Length; i++) Assert.Equal(Math.Tanh(Inputs[i]), y[i], 1e-15);
    }

    [Fact]
    public void Activations_Backward_UseTheSavedOutput()
    {
        double[] dy = Inputs.Select((_, i) => 0.5 + i).ToArray();
        var y = new double[Inputs.Length];
        var dx = new double[Inputs.Length];

        Activations.Relu<double>(Inputs, y);
        Activations.ReluBackward<double>(dy, y, dx);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(Inputs[i] > 0 ? dy[i] : 0, dx[i]);

        Activations.Sigmoid<double>(Inputs, y);
        Activations.SigmoidBackward<double>(dy, y, dx);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(dy[i] * y[i] * (1 - y[i]), dx[i], 1e-15);

        Activations.Tanh<double>(Inputs, y);
        Activations.TanhBackward<double>(dy, y, dx);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(dy[i] * (1 - y[i] * y[i]), dx[i], 1e-15);
    }

    [Fact]
    public void Relu_NaN_StaysNaN()
    {
        var y = new float[1];
        Activations.Relu<float>([float.NaN], y);
        Assert.True(float.IsNaN(y[0]));
    }

    [Fact]
    public void CrossEntropy_SmallLogits_MatchesNaiveSoftmax()
    {
        double[] logits = [0.5, -1, 2, 0.1, 0.2, 0.3];
        int[] labels = [2, 0];
        double expected = 0;
        var dExpected = new double[6];
        for (int r = 0; r < 2; r++)
        {
            double z = 0;
            for (int c = 0; c < 3; c++) z += Math.Exp(logits[r * 3 + c]);
            expected -= Math.Log(Math.Exp(logits[r * 3 + labels[r]]) / z);
            for (int c = 0; c < 3; c++) dExpected[r * 3 + c] = (Math.Exp(logits[r * 3 + c]) / z - (c == labels[r] ? 1 : 0)) * 0.75 / 2;
        }
        expected /= 2;

        Assert.Equal(expected, Losses.CrossEntropyForward<double>(logits, labels, 2, 3), 1e-14);
        var d = new double[6];
        Losses.CrossEntropyBackward<double>(logits, labels, 2, 3, 0.75, d);
        for (int i = 0; i < 6; i++) Assert.Equal(dExpected[i], d[i], 1e-15);
    }

    [Fact]
    public void CrossEntropy_HugeLogits_StaysFinite()
    {
        float[] logits = [1000, 0, -1000, 500];
        float loss = Losses.CrossEntropyForward<float>(logits, [1, 0], 2, 2);
        Assert.Equal((1000f + 1500f) / 2, loss);
        var d = new float[4];
        Losses.CrossEntropyBackward<float>(logits, [1, 0], 2, 2, 1f, d);
        Assert.All(d, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(new[] { 0.5f, -0.5f, -0.5f, 0.5f }, d);
    }

    [Fact]
    public void CrossEntropy_LabelOutOfRange_ThrowsNamingTheRow()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.CrossEntropyForward<float>(new float[4], [0, 2], 2, 2));
        Assert.Contains("row 1", error.Message);
    }

    [Fact]
    public void Mse_ForwardAndBackward_MatchFormulas()
    {
        double[] p = [1, 2, 3, 4], t = [0.5, 2, 5, 3];
        Assert.Equal((0.25 + 0 + 4 + 1) / 4, Losses.MseForward<double>(p, t));
        var d = new double[4];
        Losses.MseBackward<double>(p, t, 2.0, d);
        Assert.Equal(new[] { 2 * 0.5 * 2 / 4, 0, 2 * -2.0 * 2 / 4, 2 * 1.0 * 2 / 4 }, d);
    }
}
