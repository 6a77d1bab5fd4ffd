using System.Runtime.InteropServices;

namespace StorageFs.Interop;

/// <summary>
/// statx(2) and statvfs(3), which .NET lacks with every field: one binding for the backends
/// (volume files, pool capacity), the tree's host directories (items) and the driver's
/// duplicate rules. Each returns 0 or -1 with errno in <see cref="Marshal.GetLastPInvokeError"/>.
/// Layouts: struct statx is the same on every architecture (include/uapi/linux/stat.h);
/// struct statvfs is glibc's LP64 layout (x86_64, aarch64).
/// </summary>
public static partial class StatCalls
{
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtEmptyPath = 0x1000;

    /// <summary>STATX_BASIC_STATS: type, mode, nlink, uid, gid, times, ino, size, blocks.</summary>
    public const uint BasicStats = 0x07ff;

    /// <summary>STATX_BASIC_STATS | STATX_BTIME.</summary>
    public const uint BasicStatsAndBtime = 0x0fff;

    /// <summary>STATX_INO.</summary>
    public const uint Ino = 0x100;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, out StatxBuffer buf);

    /// <summary>statx of a NUL-terminated name given as bytes (one read from getdents, no string made).</summary>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    public static partial int Statx(int dirfd, ref byte path, int flags, uint mask, out StatxBuffer buf);

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatVfs(string path, out StatVfsBuffer buf);

    [LibraryImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    public static partial int FStatVfs(int fd, out StatVfsBuffer buf);

    /// <summary>struct statx, the fields StorageFs reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(4)] public uint BlkSize;
        [FieldOffset(16)] public uint Nlink;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(48)] public ulong Blocks;
        [FieldOffset(64)] public long AtimeSec;
        [FieldOffset(72)] public uint AtimeNsec;
        [FieldOffset(80)] public long BtimeSec;
        [FieldOffset(88)] public uint BtimeNsec;
        [FieldOffset(96)] public long CtimeSec;
        [FieldOffset(104)] public uint CtimeNsec;
        [FieldOffset(112)] public long MtimeSec;
        [FieldOffset(120)] public uint MtimeNsec;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    /// <summary>struct statvfs (glibc, LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatVfsBuffer
    {
        public ulong BSize;
        public ulong FrSize;
        public ulong Blocks;
        public ulong BFree;
        public ulong BAvail;
        public ulong Files;
        public ulong FFree;
        public ulong FAvail;
        public ulong Fsid;
        public ulong Flag;
        public ulong NameMax;
        private readonly int _spare0;
        private readonly int _spare1;
        private readonly int _spare2;
        private readonly int _spare3;
        private readonly int _spare4;
        private readonly int _spare5;
    }
}
