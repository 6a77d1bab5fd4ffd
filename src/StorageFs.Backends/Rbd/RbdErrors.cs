using System.Runtime.InteropServices;
using StorageFs.Core;

namespace StorageFs.Backends.Rbd;

/// <summary>librados/librbd return codes (negative errnos) as the two error styles: a
/// <see cref="StorageException"/> for pool and volume operations, an <see cref="IOException"/>
/// carrying the errno for the data path.</summary>
internal static class RbdErrors
{
    /// <summary>Throws unless <paramref name="rc"/> is non-negative; returns it.</summary>
    public static long Check(long rc, string what) =>
        rc >= 0 ? rc : throw new StorageException(ErrorCode.OperationFailed, $"{what}: {Message(rc)}", (int)-rc);

    /// <summary>Throws an <see cref="IOException"/> unless <paramref name="rc"/> is non-negative; returns it.</summary>
    public static long CheckIo(long rc, string what) =>
        rc >= 0 ? rc : throw new IOException($"{what}: {Message(rc)}", (int)-rc);

    public static string Message(long rc) => Marshal.GetPInvokeErrorMessage((int)-rc);
}
