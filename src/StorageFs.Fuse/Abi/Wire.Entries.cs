namespace StorageFs.Fuse.Abi;

internal static partial class Wire
{
    [StructLayout(LayoutKind.Sequential)]
    public struct FuseEntryOut
    {
        public ulong NodeId;
        public ulong Generation;
        public ulong EntryValid;
        public ulong AttrValid;
        public uint EntryValidNsec;
        public uint AttrValidNsec;
        public FuseAttr Attr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseForgetIn
    {
        public ulong Nlookup;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseForgetOne
    {
        public ulong NodeId;
        public ulong Nlookup;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseBatchForgetIn
    {
        public uint Count;
        public uint Dummy;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseGetattrIn
    {
        public uint GetattrFlags;
        public uint Dummy;
        public ulong Fh;
    }

    public const uint GetattrFh = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseAttrOut
    {
        public ulong AttrValid;
        public uint AttrValidNsec;
        public uint Dummy;
        public FuseAttr Attr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseSetattrIn
    {
        public uint Valid;
        public uint Padding;
        public ulong Fh;
        public ulong Size;
        public ulong LockOwner;
        public ulong Atime;
        public ulong Mtime;
        public ulong Ctime;
        public uint AtimeNsec;
        public uint MtimeNsec;
        public uint CtimeNsec;
        public uint Mode;
        public uint Unused4;
        public uint Uid;
        public uint Gid;
        public uint Unused5;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseMknodIn
    {
        public uint Mode;
        public uint Rdev;
        public uint Umask;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseMkdirIn
    {
        public uint Mode;
        public uint Umask;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseRenameIn
    {
        public ulong NewDir;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseRename2In
    {
        public ulong NewDir;
        public uint Flags;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseLinkIn
    {
        public ulong OldNodeId;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseAccessIn
    {
        public uint Mask;
        public uint Padding;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct FuseStatfsOut
    {
        public FuseKstatfs St;
    }
}
