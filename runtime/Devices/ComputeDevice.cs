using ILGPU;
using ILGPU.Runtime;

namespace ModelGen.Devices;

/// <summary>What runs a compiled model.</summary>
public enum DeviceKind
{
    /// <summary>The generated C# SIMD code on this machine's cores: the fast CPU path, no native dependency.</summary>
    Cpu,
    /// <summary>An NVIDIA GPU through ILGPU's CUDA backend.</summary>
    Cuda,
    /// <summary>An OpenCL device through ILGPU.</summary>
    OpenCL,
    /// <summary>ILGPU's CPU accelerator: a slow, exact reference for testing GPU kernels, never a fast path.</summary>
    IlgpuCpuReference,
}

/// <summary>
/// A device a model can be compiled for. The CPU is always present; ILGPU accelerators are listed with their
/// memory. Only <see cref="DeviceKind.Cpu"/> has a compiled backend today; the ILGPU backend will emit kernels
/// per graph node group (elementwise, reductions, fused epilogues) and call cuBLAS for large GEMMs.
/// </summary>
/// <param name="Name">The device's name as its driver reports it.</param>
/// <param name="Kind">The backend that drives it.</param>
/// <param name="MemoryBytes">Device memory, or the machine's managed memory limit for the CPU.</param>
public sealed record ComputeDevice(string Name, DeviceKind Kind, long MemoryBytes)
{
    /// <summary>The CPU running generated SIMD code.</summary>
    public static ComputeDevice Cpu { get; } = new($"CPU ({Environment.ProcessorCount} cores)", DeviceKind.Cpu, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>
    /// The CPU followed by every accelerator ILGPU finds (with its algorithms library enabled). A machine without
    /// GPU drivers lists the CPU and ILGPU's CPU reference accelerator.
    /// </summary>
    public static IReadOnlyList<ComputeDevice> Enumerate()
    {
        var devices = new List<ComputeDevice> { Cpu };
        using Context context = Context.Create(builder => builder.Default().EnableAlgorithms());
        foreach (Device device in context)
            devices.Add(new ComputeDevice(device.Name, KindOf(device.AcceleratorType), device.MemorySize));
        return devices;
    }

    private static DeviceKind KindOf(AcceleratorType type) => type switch
    {
        AcceleratorType.Cuda => DeviceKind.Cuda,
        AcceleratorType.OpenCL => DeviceKind.OpenCL,
        _ => DeviceKind.IlgpuCpuReference,
    };
}
