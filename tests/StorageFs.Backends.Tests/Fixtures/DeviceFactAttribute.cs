namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>
/// A fact that runs real storage tools on loop devices: skipped, naming exactly what is
/// missing, when not root, when the kernel has no loop devices, or when a tool is not
/// installed (with the Debian package that provides it).
/// </summary>
public sealed class DeviceFactAttribute : FactAttribute
{
    public DeviceFactAttribute(params string[] tools)
    {
        Skip = DeviceRequirements.Missing(tools);
    }
}
