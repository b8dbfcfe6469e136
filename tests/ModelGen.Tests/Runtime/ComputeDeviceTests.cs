using ModelGen.Devices;
using Xunit;

namespace ModelGen.Tests.Runtime;

public class ComputeDeviceTests
{
    [Fact]
    public void Enumerate_ListsTheCpuFirst_AndIlgpusCpuReferenceAccelerator()
    {
        IReadOnlyList<ComputeDevice> devices = ComputeDevice.Enumerate();
        Assert.Equal(DeviceKind.Cpu, devices[0].Kind);
        Assert.True(devices[0].MemoryBytes > 0);
        Assert.Contains(devices, d => d.Kind == DeviceKind.IlgpuCpuReference);
        Assert.All(devices, d => Assert.False(string.IsNullOrWhiteSpace(d.Name)));
    }
}
