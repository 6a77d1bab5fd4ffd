namespace StorageFs.Interop;

/// <summary>One line of /proc/self/mountinfo (proc(5)), octal escapes decoded.</summary>
/// <param name="Id">The mount's id; a later mount at the same point has a higher one and stacks on it.</param>
/// <param name="Major">st_dev major of the mounted filesystem (0 for FUSE).</param>
/// <param name="Minor">st_dev minor: for FUSE, the connection's name under /sys/fs/fuse/connections.</param>
/// <param name="MountPoint">Where it is mounted.</param>
/// <param name="FsType">The type (<c>fuse.storagefs</c>, <c>ext4</c>…).</param>
/// <param name="Source">The mount source (<c>storagefs</c>, <c>/dev/loop0</c>…).</param>
public sealed record MountInfoEntry(int Id, uint Major, uint Minor, string MountPoint, string FsType, string Source);
