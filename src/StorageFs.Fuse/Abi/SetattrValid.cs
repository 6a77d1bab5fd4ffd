namespace StorageFs.Fuse.Abi;

/// <summary><c>FATTR_*</c> bits of <c>fuse_setattr_in.valid</c>: which fields a SETATTR changes.</summary>
[Flags]
public enum SetattrValid : uint
{
    None = 0,
    Mode = 1u << 0,
    Uid = 1u << 1,
    Gid = 1u << 2,
    Size = 1u << 3,
    Atime = 1u << 4,
    Mtime = 1u << 5,
    Fh = 1u << 6,
    AtimeNow = 1u << 7,
    MtimeNow = 1u << 8,
    LockOwner = 1u << 9,
    Ctime = 1u << 10,
    KillSuidgid = 1u << 11,
}
