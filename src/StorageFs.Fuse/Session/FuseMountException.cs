namespace StorageFs.Fuse.Session;

/// <summary>Mounting or unmounting failed; the message says what and why, with the errno.</summary>
public sealed class FuseMountException(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
}
