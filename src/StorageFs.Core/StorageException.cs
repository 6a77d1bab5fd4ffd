namespace StorageFs.Core;

/// <summary>
/// The one exception Core and Backends throw. <see cref="OsErrno"/>, when set,
/// is the errno of the failed system call and wins over the code's default errno.
/// </summary>
public sealed class StorageException : Exception
{
    public StorageException(ErrorCode code, string message, int? osErrno = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        OsErrno = osErrno;
    }

    public ErrorCode Code { get; }

    public int? OsErrno { get; }

    /// <summary>Refused only because the object is open (a volume being written, or read by a
    /// file handle): the refusal may clear as soon as the kernel delivers that handle's release,
    /// which comes after the closing process's close() has returned.</summary>
    public bool WhileOpen { get; init; }
}
