using StorageFs.Core;
using StorageFs.Fuse;

namespace StorageFs.Vfs;

/// <summary>
/// The one table from Core's error codes to the errno a file operation returns (docs/TREE.md
/// lists it). An errno carried by the exception (a failed system call) wins.
/// </summary>
public static class ErrnoMap
{
    public static Errno From(StorageException e) =>
        e.OsErrno is int os and > 0 ? (Errno)os : From(e.Code);

    public static Errno From(ErrorCode code) => code switch
    {
        ErrorCode.NoSupport => Errno.EOPNOTSUPP,
        ErrorCode.InvalidArg => Errno.EINVAL,
        ErrorCode.XmlError => Errno.EINVAL,
        ErrorCode.ConfigUnsupported => Errno.EOPNOTSUPP,
        ErrorCode.OperationInvalid => Errno.EBUSY,
        ErrorCode.Busy => Errno.EBUSY,
        ErrorCode.NoStoragePool => Errno.ENOENT,
        ErrorCode.NoStorageVol => Errno.ENOENT,
        ErrorCode.PoolExists => Errno.EEXIST,
        ErrorCode.VolExists => Errno.EEXIST,
        ErrorCode.OperationDenied => Errno.EPERM,
        ErrorCode.OperationAborted => Errno.EINTR,
        ErrorCode.NoSecret => Errno.ENOKEY,
        ErrorCode.SecretExists => Errno.EEXIST,
        _ => Errno.EIO,
    };
}
