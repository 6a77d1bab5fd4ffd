namespace StorageFs.Backends.Tools;

/// <summary>One line of /proc/self/mountinfo (proc(5)), with octal escapes decoded.</summary>
/// <param name="MountPoint">Where it is mounted.</param>
/// <param name="Source">The mount source ("/dev/loop0", "host:/export", "//host/share").</param>
/// <param name="FileSystemType">The type ("ext4", "fuse.glusterfs", "nfs4").</param>
/// <param name="DeviceMajor">st_dev major of the mounted file system.</param>
/// <param name="DeviceMinor">st_dev minor.</param>
public sealed record MountEntry(string MountPoint, string Source, string FileSystemType, uint DeviceMajor, uint DeviceMinor);
