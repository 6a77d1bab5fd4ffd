namespace StorageFs.Fuse.Abi;

/// <summary><c>FOPEN_*</c> flags of <c>fuse_open_out.open_flags</c>.</summary>
[Flags]
public enum OpenReplyFlags : uint
{
    None = 0,
    DirectIo = 1u << 0,
    KeepCache = 1u << 1,
    NonSeekable = 1u << 2,
    CacheDir = 1u << 3,
    Stream = 1u << 4,
    NoFlush = 1u << 5,
    ParallelDirectWrites = 1u << 6,
    Passthrough = 1u << 7,
}
