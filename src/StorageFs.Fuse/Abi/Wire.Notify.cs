namespace StorageFs.Fuse.Abi;

internal static partial class Wire
{
    [StructLayout(LayoutKind.Sequential)]
    public struct FuseNotifyPollWakeupOut
    {
        public ulong Kh;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseNotifyInvalInodeOut
    {
        public ulong Ino;
        public long Off;
        public long Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseNotifyInvalEntryOut
    {
        public ulong Parent;
        public uint NameLen;
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseNotifyDeleteOut
    {
        public ulong Parent;
        public ulong Child;
        public uint NameLen;
        public uint Padding;
    }

    /// <summary>Device ioctls: _IOR/_IOW(229, n, size) as the kernel encodes them on x86-64 and arm64.</summary>
    public const uint DevIocClone = 0x8004E500;        // _IOR(229, 0, uint32_t)
    public const uint DevIocBackingOpen = 0x4010E501;  // _IOW(229, 1, struct fuse_backing_map)
    public const uint DevIocBackingClose = 0x4004E502; // _IOW(229, 2, uint32_t)
}
