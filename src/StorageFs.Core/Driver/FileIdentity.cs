using StorageFs.Interop;

namespace StorageFs.Core.Driver;

/// <summary>
/// The (device, inode) pair naming a file whatever path reaches it (symlinks, bind mounts,
/// "..", "//"), read with statx(2) following symlinks. Used by the duplicate rules, which
/// libvirt applies to plain strings only (virStoragePoolObjSourceFindDuplicate).
/// </summary>
internal readonly record struct FileIdentity(uint DevMajor, uint DevMinor, ulong Inode)
{
    /// <summary>The identity of the file at <paramref name="path"/>, or null when it cannot
    /// be stat'ed (missing, no permission).</summary>
    public static FileIdentity? Of(string? path)
    {
        if (string.IsNullOrEmpty(path) || StatCalls.Statx(StatCalls.AtFdCwd, path, 0, StatCalls.Ino, out var buf) != 0)
        {
            return null;
        }
        return new FileIdentity(buf.DevMajor, buf.DevMinor, buf.Ino);
    }
}
