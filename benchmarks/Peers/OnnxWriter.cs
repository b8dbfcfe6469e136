using System.Text;
using ModelGen;

namespace Peers;

/// <summary>
/// Writes the MLP as an ONNX ModelProto (opset 17: Gemm transB=1 + Relu, twice, then Gemm) straight from ModelGen's
/// weights. There is no ONNX exporter on either side, so the protobuf is written by hand: copied from
/// ../shared/peers/Program.cs (class OnnxWriter), changed to read ModelGen parameters instead of TorchSharp ones.
/// </summary>
public static class OnnxWriter
{
    /// <summary>A protobuf message under construction (varint and length-delimited fields are all ONNX needs here).</summary>
    private sealed class Pb
    {
        private readonly MemoryStream _bytes = new();

        private void Varint(ulong v)
        {
            while (v >= 0x80) { _bytes.WriteByte((byte)(v | 0x80)); v >>= 7; }
            _bytes.WriteByte((byte)v);
        }

        private void Key(int field, int wire) => Varint((ulong)((field << 3) | wire));

        public Pb Int(int field, long v) { Key(field, 0); Varint((ulong)v); return this; }

        public Pb Bytes(int field, byte[] b) { Key(field, 2); Varint((ulong)b.Length); _bytes.Write(b); return this; }

        public Pb Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));

        public Pb Msg(int field, Pb m) => Bytes(field, m.ToArray());

        public byte[] ToArray() => _bytes.ToArray();
    }

    // TensorProto: dims = 1, data_type = 2 (1 = FLOAT), name = 8, raw_data = 9 (little-endian).
    private static Pb Initializer(string name, int[] dims, float[] data)
    {
        var t = new Pb();
        foreach (int d in dims) t.Int(1, d);
        t.Int(2, 1).Str(8, name);
        var raw = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, raw, 0, raw.Length);
        return t.Bytes(9, raw);
    }

    // ValueInfoProto for a [N, cols] float tensor with a symbolic batch dimension.
    private static Pb ValueInfo(string name, long cols)
    {
        var shape = new Pb().Msg(1, new Pb().Str(2, "N")).Msg(1, new Pb().Int(1, cols));
        var tensorType = new Pb().Int(1, 1).Msg(2, shape);
        return new Pb().Str(1, name).Msg(2, new Pb().Msg(1, tensorType));
    }

    private static Pb Node(string op, string name, string[] inputs, string output, bool transB = false)
    {
        var n = new Pb();
        foreach (string i in inputs) n.Str(1, i);
        n.Str(2, output).Str(3, name).Str(4, op);
        if (transB) n.Msg(5, new Pb().Str(1, "transB").Int(3, 1).Int(20, 2)); // AttributeProto, type INT
        return n;
    }

    /// <summary>
    /// The ONNX bytes of a stack of Linear layers with ReLU between them: parameters alternate weight [out, in]
    /// and bias [out], as <see cref="IModel.Parameters"/> lists them for samples/Mnist/MnistMlp.cs. Input "x", output "y".
    /// </summary>
    public static byte[] LinearReluStack(IReadOnlyList<Parameter> parameters)
    {
        int layers = parameters.Count / 2;
        var g = new Pb();
        string current = "x";
        for (int i = 0; i < layers; i++)
        {
            bool last = i == layers - 1;
            string gemmOut = last ? "y" : $"g{i}";
            g.Msg(1, Node("Gemm", $"gemm{i}", [current, $"W{i}", $"B{i}"], gemmOut, transB: true));
            if (!last) g.Msg(1, Node("Relu", $"relu{i}", [gemmOut], $"h{i}"));
            current = $"h{i}";
        }
        g.Str(2, "mlp");
        for (int i = 0; i < layers; i++)
        {
            Tensor w = parameters[2 * i].Value, b = parameters[2 * i + 1].Value;
            g.Msg(5, Initializer($"W{i}", w.Shape, w.ToArray()));
            g.Msg(5, Initializer($"B{i}", b.Shape, b.ToArray()));
        }
        g.Msg(11, ValueInfo("x", parameters[0].Value.Size(1)));
        g.Msg(12, ValueInfo("y", parameters[^2].Value.Size(0)));
        // ModelProto: ir_version = 1 (8), producer_name = 2, graph = 7, opset_import = 8 (domain "", version 17).
        return new Pb().Int(1, 8).Str(2, "modelgen-peers").Msg(7, g).Msg(8, new Pb().Str(1, "").Int(2, 17)).ToArray();
    }
}
