namespace StorageFs.Fuse.Abi;

internal static partial class Wire
{
    [StructLayout(LayoutKind.Sequential)]
    public struct FuseOpenIn
    {
        public uint Flags;
        public uint OpenFlags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseCreateIn
    {
        public uint Flags;
        public uint Mode;
        public uint Umask;
        public uint OpenFlags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseOpenOut
    {
        public ulong Fh;
        public uint OpenFlags;
        public int BackingId;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseReleaseIn
    {
        public ulong Fh;
        public uint Flags;
        public uint ReleaseFlags;
        public ulong LockOwner;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseFlushIn
    {
        public ulong Fh;
        public uint Unused;
        public uint Padding;
        public ulong LockOwner;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseReadIn
    {
        public ulong Fh;
        public ulong Offset;
        public uint Size;
        public uint ReadFlags;
        public ulong LockOwner;
        public uint Flags;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseWriteIn
    {
        public ulong Fh;
        public ulong Offset;
        public uint Size;
        public uint WriteFlags;
        public ulong LockOwner;
        public uint Flags;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseWriteOut
    {
        public uint Size;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseFsyncIn
    {
        public ulong Fh;
        public uint FsyncFlags;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseSetxattrIn
    {
        public uint Size;
        public uint Flags;
        public uint SetxattrFlags;
        public uint Padding;
    }

    /// <summary>Without FUSE_SETXATTR_EXT the kernel sends only size and flags.</summary>
    public const int FuseSetxattrInCompatSize = 8;

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseGetxattrIn
    {
        public uint Size;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseGetxattrOut
    {
        public uint Size;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FusePollIn
    {
        public ulong Fh;
        public ulong Kh;
        public uint Flags;
        public uint Events;
    }

    public const uint PollScheduleNotify = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct FusePollOut
    {
        public uint Revents;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseFallocateIn
    {
        public ulong Fh;
        public ulong Offset;
        public ulong Length;
        public uint Mode;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseLseekIn
    {
        public ulong Fh;
        public ulong Offset;
        public uint Whence;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseLseekOut
    {
        public ulong Offset;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseCopyFileRangeIn
    {
        public ulong FhIn;
        public ulong OffIn;
        public ulong NodeIdOut;
        public ulong FhOut;
        public ulong OffOut;
        public ulong Len;
        public ulong Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseFileLock
    {
        public ulong Start;
        public ulong End;
        public uint Type;
        public uint Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseLkIn
    {
        public ulong Fh;
        public ulong Owner;
        public FuseFileLock Lk;
        public uint LkFlags;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseLkOut
    {
        public FuseFileLock Lk;
    }

    /// <summary>fuse_lk_in.lk_flags: the lock is a flock(2) lock, emulated by the kernel as SETLK(W).</summary>
    public const uint LkFlock = 1;

    /// <summary>fuse_release_in.release_flags: drop the flock locks of lock_owner (the open file).</summary>
    public const uint ReleaseFlockUnlock = 1u << 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseDirent
    {
        public ulong Ino;
        public ulong Off;
        public uint NameLen;
        public uint Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseBackingMap
    {
        public int Fd;
        public uint Flags;
        public ulong Padding;
    }
}
