using System.Runtime.InteropServices;
using StorageFs.Interop;

namespace StorageFs.Core.Persistence;

/// <summary>
/// The store's use of the libc calls .NET does not expose (bound in <see cref="Libc"/>): .NET refuses to open a
/// directory as a file handle (File.OpenHandle on a directory throws
/// UnauthorizedAccessException), so a directory fsync needs open(O_RDONLY|O_DIRECTORY)
/// + fsync(2); rename(2) is called directly so the atomic-replace invariant does not
/// rest on how File.Move happens to be implemented. Linux, 64-bit, glibc.
/// </summary>
internal static class PersistenceNative
{
    /// <summary>Flushes a directory's entries (creations, renames, unlinks) to disk.</summary>
    public static void FsyncDirectory(string directory)
    {
        // O_DIRECTORY differs between x86_64 and arm64; a plain O_RDONLY open of a
        // directory is allowed and is all fsync needs.
        int fd = Libc.Open(directory, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Failure($"cannot open directory '{directory}'");
        }

        try
        {
            if (Libc.Fsync(fd) != 0)
            {
                throw Failure($"cannot sync directory '{directory}'");
            }
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    /// <summary>rename(2): atomically replaces <paramref name="newPath"/> if it exists.</summary>
    public static void Rename(string oldPath, string newPath)
    {
        if (Libc.Rename(oldPath, newPath) != 0)
        {
            throw Failure($"cannot rename '{oldPath}' to '{newPath}'");
        }
    }

    /// <summary>libvirt's virReportSystemError shape: "what: strerror(errno)".</summary>
    private static StorageException Failure(string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new StorageException(
            ErrorCode.OperationFailed,
            what + ": " + Marshal.GetPInvokeErrorMessage(errno),
            errno);
    }
}
