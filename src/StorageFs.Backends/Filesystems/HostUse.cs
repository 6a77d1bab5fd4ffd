using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Core.Backend;
using StorageFs.Interop;

namespace StorageFs.Backends.Filesystems;

/// <summary>
/// Where the host uses a volume: loop devices backed by its file, and mounts of those devices
/// (or of the volume's own device) in this daemon's mount table, read through the one
/// mountinfo parser. A mount in another mount namespace has no line here, but it holds its
/// device exclusively, so an O_EXCL open of the device fails with EBUSY (fs/block_dev: a
/// mounted device is claimed); that is reported too, without a place.
/// </summary>
internal static class HostUse
{
    /// <summary>Mounts and loop attachments of the volume open as <paramref name="data"/>.</summary>
    public static (IReadOnlyList<string> Mounts, IReadOnlyList<string> Attachments) Of(SafeFileHandle data)
    {
        if (StatCalls.Statx((int)data.DangerousGetHandle(), "", StatCalls.AtEmptyPath, StatCalls.BasicStats, out var st) != 0)
        {
            StorageErrors.ThrowLastSystem("cannot stat the volume");
        }
        var mounts = new List<string>();
        var attachments = new List<string>();
        IReadOnlyList<MountInfoEntry>? table = null;
        IReadOnlyList<MountInfoEntry> Table() => table ??= MountInfo.Read();

        if ((st.Mode & 0xF000) == 0x6000)
        {
            var at = Table().Where(e => e.Major == st.RdevMajor && e.Minor == st.RdevMinor).Select(e => "at " + e.MountPoint).ToList();
            mounts.AddRange(at);
            // Through the magic link: the same device inode, never a path someone could change.
            if (at.Count == 0 && Claimed("/proc/self/fd/" + (int)data.DangerousGetHandle()))
            {
                mounts.Add("held by the kernel (mounted in another mount namespace, or a device-mapper, md or LVM member)");
            }
        }
        foreach (var loop in LoopDevices.BackedBy(st.DevMajor, st.DevMinor, st.Ino))
        {
            attachments.Add(loop.Path);
            var nodes = new List<(string Path, uint Major, uint Minor)> { (loop.Path, loop.Major, loop.Minor) };
            nodes.AddRange(loop.Partitions);
            var found = nodes
                .SelectMany(n => Table().Where(e => e.Major == n.Major && e.Minor == n.Minor).Select(e => $"at {e.MountPoint} (via {n.Path})"))
                .ToList();
            mounts.AddRange(found);
            // The whole device's claim covers its partitions' (block/bdev.c marks the whole
            // disk claimed while a partition is), so one O_EXCL open answers for all of them.
            if (found.Count == 0 && Claimed(loop.Path))
            {
                mounts.Add($"in another mount namespace, or held by another program (via {loop.Path})");
            }
        }
        return (mounts, attachments);
    }

    // An O_EXCL open of a block device fails with EBUSY while a mount (or anyone else) claims it.
    private static bool Claimed(string device)
    {
        int fd = Libc.Open(device, Libc.O_RDONLY | Libc.O_EXCL | Libc.O_CLOEXEC | Libc.O_NONBLOCK, 0);
        if (fd >= 0)
        {
            Libc.Close(fd);
            return false;
        }
        return Marshal.GetLastPInvokeError() == (int)Errno.EBUSY;
    }
}
