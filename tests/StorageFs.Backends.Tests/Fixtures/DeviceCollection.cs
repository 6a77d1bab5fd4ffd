namespace StorageFs.Backends.Tests.Fixtures;

/// <summary>Tests that attach loop devices, mount, or run LVM and storage daemons run one at a
/// time: LVM takes global locks and scans every device, and daemons bind fixed ports.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeviceCollection
{
    public const string Name = "Devices";
}
