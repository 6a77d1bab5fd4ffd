using StorageFs.Backends.Tools;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Tests.Tools;

/// <summary>The availability report tells the truth about this machine.</summary>
public sealed class HostSupportTests
{
    [Fact]
    public void Probe_CoversEveryBackendType_AndDirAlwaysRuns()
    {
        var report = HostSupport.Probe();

        Assert.Equal([PoolType.Dir, PoolType.Fs, PoolType.NetFs, PoolType.Logical, PoolType.Disk, PoolType.Iscsi,
            PoolType.IscsiDirect, PoolType.Scsi, PoolType.Mpath, PoolType.Gluster], report.Select(r => r.Type));
        Assert.Equal(new BackendAvailability(PoolType.Dir, true, ""), report[0]);
    }

    [Fact]
    public void Probe_MatchesTheKernel_ForIscsiScsiAndDeviceMapper()
    {
        var report = HostSupport.Probe().ToDictionary(r => r.Type);

        Assert.Equal(Directory.Exists("/sys/class/scsi_host"), report[PoolType.Scsi].Runnable);
        Assert.Equal(HostSupport.HasDeviceMapper, report[PoolType.Mpath].Runnable);
        if (!Directory.Exists("/sys/class/iscsi_transport/tcp"))
        {
            Assert.Contains("iscsi_tcp", report[PoolType.Iscsi].Reason, StringComparison.Ordinal);
        }
        if (!HostSupport.HasDeviceMapper)
        {
            Assert.Contains("--driverloaded n", report[PoolType.Logical].Reason, StringComparison.Ordinal);
            Assert.False(LvmCommands().DeviceMapper);
        }
    }

    private static StorageFs.Backends.Logical.LvmCommands LvmCommands() => StorageFs.Backends.Logical.LvmCommands.ForHost();
}
