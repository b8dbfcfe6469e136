using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelGen.Kernels;

public static partial class Gemm
{
    /// <summary>The packed A block and B panel of one thread, reused by every multiply that thread runs.</summary>
    private sealed class PackBuffers
    {
        [ThreadStatic] private static PackBuffers? t_current;

        public readonly PackBuffer A = new();
        public readonly PackBuffer B = new();

        public static PackBuffers ForCurrentThread() => t_current ??= new PackBuffers();
    }

    /// <summary>
    /// A grow-only, 64-byte aligned float buffer. It lives on the pinned object heap, so its address never moves
    /// and the kernels can hold a raw pointer to it without a <c>fixed</c> per call.
    /// </summary>
    private sealed unsafe class PackBuffer
    {
        /// <summary>Floats past the reserved length that packing may overwrite with whole vectors.</summary>
        private const int Slack = 32;
        private const int Alignment = 64;

        // Held only to keep the pinned array alive; the kernels use _aligned.
        private float[]? _storage;
        private float* _aligned;
        private int _capacity;

        /// <summary>A pointer to at least <paramref name="floats"/> (+ slack) floats, contents undefined.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float* Reserve(int floats)
        {
            if (floats > _capacity) Grow(floats);
            return _aligned;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Grow(int floats)
        {
            _storage = GC.AllocateUninitializedArray<float>(floats + Slack + Alignment / sizeof(float), pinned: true);
            nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_storage));
            // Aligned strips keep every vector load of the microkernel inside one cache line.
            _aligned = (float*)((start + Alignment - 1) & ~(nint)(Alignment - 1));
            _capacity = floats;
        }
    }
}
