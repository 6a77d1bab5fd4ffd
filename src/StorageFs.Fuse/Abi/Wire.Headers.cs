namespace StorageFs.Fuse.Abi;

/// <summary>
/// The fixed-size wire structs of include/uapi/linux/fuse.h (protocol 7.45), blittable and
/// named after their C names. Read with <see cref="MemoryMarshal"/> after a length check.
/// </summary>
internal static partial class Wire
{
    public const uint KernelVersion = 7;
    public const uint KernelMinorVersion = 45;
    public const ulong RootId = 1;
    public const int MinReadBuffer = 8192;
    public const ulong UniqueResend = 1UL << 63;

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseInHeader
    {
        public uint Len;
        public uint Opcode;
        public ulong Unique;
        public ulong NodeId;
        public uint Uid;
        public uint Gid;
        public uint Pid;
        public ushort TotalExtlen;
        public ushort Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseOutHeader
    {
        public uint Len;
        public int Error;
        public ulong Unique;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseInitIn
    {
        public uint Major;
        public uint Minor;
        public uint MaxReadahead;
        public uint Flags;
        public uint Flags2;
        private unsafe fixed uint _unused[11];
    }

    /// <summary>Before 7.36 the kernel sends only the first 16 bytes.</summary>
    public const int FuseInitInCompatSize = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseInitOut
    {
        public uint Major;
        public uint Minor;
        public uint MaxReadahead;
        public uint Flags;
        public ushort MaxBackground;
        public ushort CongestionThreshold;
        public uint MaxWrite;
        public uint TimeGran;
        public ushort MaxPages;
        public ushort MapAlignment;
        public uint Flags2;
        public uint MaxStackDepth;
        public ushort RequestTimeout;
        private unsafe fixed ushort _unused[11];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseInterruptIn
    {
        public ulong Unique;
    }
}
