using System.Runtime.InteropServices;

namespace StorageFs.Core.Driver;

/// <summary>
/// The (device, inode) pair naming a file whatever path reaches it (symlinks, bind mounts,
/// "..", "//"), read with statx(2) following symlinks. Used by the duplicate rules, which
/// libvirt applies to plain strings only (virStoragePoolObjSourceFindDuplicate).
/// </summary>
internal readonly record struct FileIdentity(uint DevMajor, uint DevMinor, ulong Inode)
{
    private const int AtFdCwd = -100;
    private const uint StatxIno = 0x100;

    /// <summary>The identity of the file at <paramref name="path"/>, or null when it cannot
    /// be stat'ed (missing, no permission).</summary>
    public static FileIdentity? Of(string? path)
    {
        if (string.IsNullOrEmpty(path) || Statx(AtFdCwd, path, 0, StatxIno, out var buf) != 0)
        {
            return null;
        }
        return new FileIdentity(buf.DevMajor, buf.DevMinor, buf.Ino);
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out StatxBuffer buf);

    // struct statx (include/uapi/linux/stat.h): the same layout on every architecture.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(32)]
        public ulong Ino;

        [FieldOffset(136)]
        public uint DevMajor;

        [FieldOffset(140)]
        public uint DevMinor;
    }
}
