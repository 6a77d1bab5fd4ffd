using StorageFs.Backends.HostTools;
using StorageFs.Core.Backend;
using StorageFs.Core.Model;

namespace StorageFs.Backends.Fs;

/// <summary>Whether an fs pool's file system can be mounted here, on top of the generic check of <see cref="FsPoolCapabilities"/>.</summary>
public static class FsSupport
{
    /// <summary>
    /// Whether an fs pool of source format <paramref name="format"/> can be mounted here: the
    /// tools, and the file system in /proc/filesystems (not checked for auto, which mount probes).
    /// </summary>
    public static BackendAvailability For(string? format, HostFacts? facts = null)
    {
        facts ??= HostFacts.Current();
        var basic = HostSupport.Check(FsPoolCapabilities.Value, facts);
        if (!basic.Runnable || format is null or "auto")
        {
            return basic;
        }
        var kernelName = format == "hfs+" ? "hfsplus" : format;
        if (format is "ext2" or "ext3" && HostSupport.HasFileSystem(facts, "ext4"))
        {
            return basic; // the ext4 driver mounts ext2 and ext3
        }
        return HostSupport.HasFileSystem(facts, kernelName)
            ? basic
            : new BackendAvailability(PoolType.Fs, false, $"no '{format}' file system in the kernel ({kernelName} is not in /proc/filesystems)");
    }
}
