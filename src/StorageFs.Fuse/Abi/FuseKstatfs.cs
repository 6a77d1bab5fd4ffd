namespace StorageFs.Fuse.Abi;

/// <summary><c>struct fuse_kstatfs</c> (80 bytes): the STATFS reply body.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct FuseKstatfs
{
    public ulong Blocks;
    public ulong Bfree;
    public ulong Bavail;
    public ulong Files;
    public ulong Ffree;
    public uint Bsize;
    public uint Namelen;
    public uint Frsize;
    public uint Padding;
    private unsafe fixed uint _spare[6];
}
