namespace StorageFs.Fuse;

/// <summary>
/// The errno an unexpected exception out of a handler is answered with: a full descriptor
/// table (an IOException carrying EMFILE or ENFILE) stays what it is, for that one caller;
/// anything else is EIO, which the engine logs as a bug.
/// </summary>
public static class ExceptionErrno
{
    public static Errno Of(Exception ex) =>
        ex is IOException { HResult: (int)Errno.EMFILE or (int)Errno.ENFILE } io ? (Errno)io.HResult : Errno.EIO;
}
