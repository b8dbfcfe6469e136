using ModelGen;
using ModelGen.Optim;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>The backward pass itself: accumulation, which tensors get gradients, and what is refused.</summary>
public class AutogradTests
{
    private static Tensor Leaf(params float[] values)
    {
        var t = Tensor.FromArray(values);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void Backward_TensorMultipliedByItself_AccumulatesBothContributions()
    {
        var x = Leaf(1.5f, -2f, 3f);
        Ops.Sum(x * x).Backward();
        Assert.Equal(new[] { 3f, -4f, 6f }, x.Grad!.ToArray());
    }

    [Fact]
    public void Backward_TensorPlusReluOfItself_AccumulatesBothPaths()
    {
        var x = Leaf(1.5f, -2f, 3f, -0.5f);
        Ops.Sum(x + Ops.Relu(x)).Backward();
        Assert.Equal(new[] { 2f, 1f, 2f, 1f }, x.Grad!.ToArray());
    }

    [Fact]
    public void Backward_DiamondThroughIntermediate_SumsBranchesBeforeFlowingBack()
    {
        // y is used by two consumers; x receives d/dx of (2y + y*y) with y = 3x.
        var x = Leaf(1f, 2f);
        var y = x * 3f;
        Ops.Sum(y * 2f + y * y).Backward();
        Assert.Equal(new[] { 3 * (2 + 2 * 3f), 3 * (2 + 2 * 6f) }, x.Grad!.ToArray());
    }

    [Fact]
    public void Backward_CalledTwice_AccumulatesTwice()
    {
        var x = Leaf(1f, 2f);
        var loss = Ops.Sum(x * x);
        loss.Backward();
        loss.Backward();
        Assert.Equal(new[] { 4f, 8f }, x.Grad!.ToArray());
    }

    [Fact]
    public void ZeroGrad_AfterBackward_ClearsInPlace()
    {
        var model = new TinyModel();
        Ops.Sum(model.Layer.Forward(Tensor.FromArray(new[] { 1f, 2f }, 1, 2))).Backward();
        Tensor weightGrad = model.Layer.Weight.Grad!;
        Assert.Contains(weightGrad.ToArray(), v => v != 0);

        model.ZeroGrad();

        Assert.Same(weightGrad, model.Layer.Weight.Grad);
        Assert.All(weightGrad.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(model.Layer.Bias!.Grad!.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void OptimizerZeroGrad_AfterBackward_ClearsEveryGradient()
    {
        var model = new TinyModel();
        Ops.Sum(model.Layer.Forward(Tensor.FromArray(new[] { 1f, 2f }, 1, 2))).Backward();
        new Sgd(model.Parameters(), lr: 0.1).ZeroGrad();
        Assert.All(model.Layer.Weight.Grad!.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Backward_IntermediateResults_KeepNoGradient()
    {
        var x = Leaf(1f, 2f);
        var y = x * 2f;
        Ops.Sum(y).Backward();
        Assert.Null(y.Grad);
        Assert.False(y.IsLeaf);
        Assert.NotNull(x.Grad);
    }

    [Fact]
    public void OpResult_InputsWithoutGrad_DoesNotRequireGrad()
    {
        var a = Tensor.FromArray(new[] { 1f, 2f });
        var b = Leaf(3f, 4f);
        Assert.False((a * a).RequiresGrad);
        Assert.True((a * b).RequiresGrad);
        Assert.True(Ops.Relu(b).RequiresGrad);
    }

    [Fact]
    public void Backward_BroadcastOperand_ReceivesGradientSummedToItsShape()
    {
        var matrix = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        matrix.RequiresGrad = true;
        var bias = Leaf(10f, 20f, 30f);
        Ops.Sum(matrix + bias).Backward();
        Assert.Equal(new[] { 2f, 2f, 2f }, bias.Grad!.ToArray());
        Assert.Equal(new[] { 3 }, bias.Grad.Shape);
        Assert.Equal(new[] { 1f, 1f, 1f, 1f, 1f, 1f }, matrix.Grad!.ToArray());
    }

    [Fact]
    public void Backward_OnLeafScalar_SeedsOne()
    {
        var x = Tensor.Scalar(5f);
        x.RequiresGrad = true;
        x.Backward();
        Assert.Equal(1f, x.Grad!.Item());
    }

    [Fact]
    public void Backward_VeryDeepChain_DoesNotOverflowTheStack()
    {
        var x = Leaf(1f);
        Tensor y = x;
        for (int i = 0; i < 100_000; i++) y = y + 1f;
        Ops.Sum(y).Backward();
        Assert.Equal(1f, x.Grad!.Item());
    }

    [Fact]
    public void Backward_NonScalar_ThrowsNamingTheShape()
    {
        var x = Leaf(1f, 2f);
        var error = Assert.Throws<InvalidOperationException>(() => (x * 2f).Backward());
        Assert.Contains("[2]", error.Message);
    }

    [Fact]
    public void Backward_NothingRequiresGrad_Throws()
    {
        var loss = Ops.Sum(Tensor.FromArray(new[] { 1f, 2f }));
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
    }

    [Fact]
    public void RequiresGrad_Int32Tensor_Throws()
    {
        var labels = Tensor.FromArray(new[] { 1, 2 });
        Assert.Throws<InvalidOperationException>(() => labels.RequiresGrad = true);
    }

    [Fact]
    public void RequiresGrad_ClearedOnOpResult_Throws()
    {
        var y = Leaf(1f) * 2f;
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
    }

    [Fact]
    public void Detach_OpResult_SharesStorageButCutsTheGraph()
    {
        var x = Leaf(1f, 2f);
        var detached = (x * 2f).Detach();
        Assert.False(detached.RequiresGrad);
        Assert.True(detached.IsLeaf);
        Assert.Equal(new[] { 2f, 4f }, detached.ToArray());
    }

    [Fact]
    public void Grad_SetWithWrongShape_Throws()
    {
        var x = Leaf(1f, 2f);
        Assert.Throws<ArgumentException>(() => x.Grad = Tensor.Zeros(3));
    }

    [Fact]
    public void Operators_MixedDTypes_ThrowNamingBothDTypes()
    {
        var a = Tensor.Zeros(DType.Float32, 2);
        var b = Tensor.Zeros(DType.Float64, 2);
        var error = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("Float32", error.Message);
        Assert.Contains("Float64", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.MatMul(Tensor.Zeros(DType.Float32, 2, 2), Tensor.Zeros(DType.Float64, 2, 2)));
        Assert.Throws<ArgumentException>(() => Ops.MseLoss(a, b));
    }

    [Fact]
    public void Operators_IncompatibleShapes_ThrowNamingBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3, 4) + Tensor.Zeros(5));
        Assert.Contains("[3, 4]", error.Message);
        Assert.Contains("[5]", error.Message);
    }

    [Fact]
    public void Ops_Int32Input_ThrowsClearly()
    {
        var labels = Tensor.FromArray(new[] { 1, 2 });
        var error = Assert.Throws<ArgumentException>(() => Ops.Relu(labels));
        Assert.Contains("Int32", error.Message);
        Assert.Throws<ArgumentException>(() => labels * 2f);
    }

    [Fact]
    public void CrossEntropy_LabelOutOfRange_Throws()
    {
        var logits = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.CrossEntropy(logits, Tensor.FromArray(new[] { 0, 3 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.CrossEntropy(logits, Tensor.FromArray(new[] { -1, 0 })));
    }

    [Fact]
    public void CrossEntropy_LabelsNotInt32OrWrongLength_Throws()
    {
        var logits = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(logits, Tensor.Zeros(2)));
        Assert.Throws<ArgumentException>(() => Ops.CrossEntropy(logits, Tensor.FromArray(new[] { 0, 1, 2 })));
    }

    [Fact]
    public void MatMul_InnerSizesDiffer_ThrowsNamingShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[4, 5]", error.Message);
    }

    /// <summary>A hand-written IModel, as the generator would write one.</summary>
    private sealed class TinyModel : IModel
    {
        public Linear Layer { get; } = new(2, 3);

        public IReadOnlyList<Parameter> Parameters() =>
            [new Parameter("layer.weight", Layer.Weight), new Parameter("layer.bias", Layer.Bias!)];

        public void Initialize(int seed) => Layer.ResetParameters(new Rng(seed));

        public IReadOnlyList<(string Name, ILayer Layer)> Layers() => [("layer", Layer)];
    }
}
