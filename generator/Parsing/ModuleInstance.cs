using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Parsing
{
    /// <summary>
    /// One object of the model's tree while parsing: the model itself (path "") or a [Module] block held by a field,
    /// with what each of its fields holds once its constructor has run at build time. Parse-time only: the spec keeps
    /// the flattened <see cref="LayerSpec"/>s, never this.
    /// </summary>
    internal sealed class ModuleInstance
    {
        public ModuleInstance(string path, INamedTypeSymbol type)
        {
            Path = path;
            Type = type;
        }

        /// <summary>The dotted path of the block in the model ("" for the model, "blocks.0", "encoder.down1").</summary>
        public string Path { get; }

        public INamedTypeSymbol Type { get; }

        /// <summary>What each field holds, by field name, in declaration order of assignment.</summary>
        public Dictionary<string, Member> Members { get; } = new Dictionary<string, Member>(System.StringComparer.Ordinal);

        /// <summary>The dotted path of a field of this object.</summary>
        public string PathOf(string field) => Path.Length == 0 ? field : Path + "." + field;

        /// <summary>How this object is named in messages: "the model" or "block 'blocks.0'".</summary>
        public string Describe() => Path.Length == 0 ? "the model" : $"block '{Path}'";
    }

    /// <summary>What a field (or an element of an array field) holds at build time.</summary>
    internal abstract class Member
    {
    }

    /// <summary>A ModelGen layer, with its spec (Name is its dotted path).</summary>
    internal sealed class LayerMember : Member
    {
        public LayerMember(LayerSpec spec) => Spec = spec;

        public LayerSpec Spec { get; }
    }

    /// <summary>A [Module] block.</summary>
    internal sealed class ModuleMember : Member
    {
        public ModuleMember(ModuleInstance instance) => Instance = instance;

        public ModuleInstance Instance { get; }
    }

    /// <summary>An array of layers or blocks, as PyTorch's ModuleList: elements are named by their index.</summary>
    internal sealed class ListMember : Member
    {
        public ListMember(string path, IReadOnlyList<Member> elements)
        {
            Path = path;
            Elements = elements;
        }

        public string Path { get; }

        public IReadOnlyList<Member> Elements { get; }
    }

    /// <summary>A number or bool known at build time: a constant, or a field the constructor set from constants.</summary>
    internal sealed class ConstantMember : Member
    {
        public ConstantMember(double value) => Value = value;

        public double Value { get; }
    }
}
