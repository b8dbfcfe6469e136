using System.Text;
using ModelGen.Kernels;

namespace ModelGen.Quantization;

/// <summary>
/// The int8 checkpoint: for each quantised layer its int8 weight codes (one byte per weight, a quarter of
/// float32), per-channel weight scales, float32 bias, activation scale and zero point. Little-endian binary:
/// "MGI8", version, layer count, then the layers. Layers that stay float32 are not in it.
/// </summary>
internal static class Int8Checkpoint
{
    private const int Version = 1;
    private static ReadOnlySpan<byte> Magic => "MGI8"u8;

    /// <summary>One layer as stored.</summary>
    internal sealed record Entry(string Key, int InFeatures, int OutFeatures, Activation Activation,
        float ActivationScale, int ZeroPoint, float[] WeightScales, float[] Bias, sbyte[] Weights);

    public static void Write(Stream stream, IReadOnlyList<(string Key, Int8Layer Layer)> layers)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(layers.Count);
        foreach ((string key, Int8Layer layer) in layers)
        {
            if (!layer.IsQuantized) throw new InvalidOperationException($"Layer {layer.Layer} is not calibrated yet.");
            writer.Write(key);
            writer.Write(layer.InFeatures);
            writer.Write(layer.OutFeatures);
            writer.Write((int)layer.Activation);
            writer.Write(layer.ActivationScale);
            writer.Write(layer.ZeroPoint);
            foreach (float s in layer.WeightScales) writer.Write(s);
            foreach (float b in layer.Bias) writer.Write(b);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Weights));
        }
    }

    /// <exception cref="InvalidDataException">The file is not an int8 checkpoint of this version.</exception>
    public static Dictionary<string, Entry> Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"{path} is not a ModelGen int8 checkpoint.");
        int version = reader.ReadInt32();
        if (version != Version) throw new InvalidDataException($"{path} is int8 checkpoint version {version}; this runtime reads version {Version}.");
        int count = reader.ReadInt32();
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString();
            int inFeatures = reader.ReadInt32(), outFeatures = reader.ReadInt32();
            if (inFeatures < 1 || outFeatures < 1) throw new InvalidDataException($"{path}: layer {key} has invalid sizes.");
            var activation = (Activation)reader.ReadInt32();
            float activationScale = reader.ReadSingle();
            int zeroPoint = reader.ReadInt32();
            float[] scales = ReadFloats(reader, outFeatures), bias = ReadFloats(reader, outFeatures);
            byte[] bytes = reader.ReadBytes(checked(inFeatures * outFeatures));
            if (bytes.Length != inFeatures * outFeatures) throw new InvalidDataException($"{path} ends inside layer {key}.");
            sbyte[] weights = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray();
            entries[key] = new Entry(key, inFeatures, outFeatures, activation, activationScale, zeroPoint, scales, bias, weights);
        }
        return entries;
    }

    private static float[] ReadFloats(BinaryReader reader, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = reader.ReadSingle();
        return values;
    }
}
