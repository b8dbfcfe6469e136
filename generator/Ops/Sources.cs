using ModelGen.Generator.Emit;
using ModelGen.Generator.IR;

namespace ModelGen.Generator.Ops
{
    /// <summary>The model's input tensor: bound to the caller's tensor, never copied.</summary>
    internal sealed class InputOp : Operator
    {
        public override OpKind Kind => OpKind.Input;
        public override string Name => "input";
        public override void Emit(CpuEmitContext context, Node node) { }
    }

    /// <summary>A [Loss] parameter (targets or class labels): bound to the caller's tensor.</summary>
    internal sealed class LabelOp : Operator
    {
        public override OpKind Kind => OpKind.Label;
        public override string Name => "label";
        public override void Emit(CpuEmitContext context, Node node) { }
    }

    /// <summary>A model parameter: bound to the parameter's own tensor, which eager mode shares.</summary>
    internal sealed class ParamOp : Operator
    {
        public override OpKind Kind => OpKind.Param;
        public override string Name => "param";
        public override void Emit(CpuEmitContext context, Node node) { }
    }

    /// <summary>A scalar constant: emitted inline as a literal wherever it is read.</summary>
    internal sealed class ConstOp : Operator
    {
        public override OpKind Kind => OpKind.Const;
        public override string Name => "const";
        public override void Emit(CpuEmitContext context, Node node) { }
    }

    /// <summary>Copies a value into its own buffer: made when a parameter's gradient is a value it cannot own.</summary>
    internal sealed class CopyOp : Operator
    {
        public override OpKind Kind => OpKind.Copy;
        public override string Name => "copy";

        public override void Emit(CpuEmitContext context, Node node)
        {
            int source = node.Input(0);
            if (context.IsConst(source)) context.Line($"{context.Span(node.Id)}.Fill({context.Scalar(source)});");
            else context.Line($"{context.Span(source)}.CopyTo({context.Span(node.Id)});");
        }
    }
}
