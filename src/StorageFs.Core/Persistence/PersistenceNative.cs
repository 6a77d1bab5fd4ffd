using System.Runtime.InteropServices;

namespace StorageFs.Core.Persistence;

/// <summary>
/// The few libc calls the store needs that .NET does not expose: .NET refuses to open a
/// directory as a file handle (File.OpenHandle on a directory throws
/// UnauthorizedAccessException), so a directory fsync needs open(O_RDONLY|O_DIRECTORY)
/// + fsync(2); rename(2) is called directly so the atomic-replace invariant does not
/// rest on how File.Move happens to be implemented. Linux, 64-bit, glibc.
/// </summary>
internal static class PersistenceNative
{
    private const int ORdOnly = 0;
    private const int OCloExec = 0x80000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameNative(
        [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath);

    /// <summary>Flushes a directory's entries (creations, renames, unlinks) to disk.</summary>
    public static void FsyncDirectory(string directory)
    {
        // O_DIRECTORY differs between x86_64 and arm64; a plain O_RDONLY open of a
        // directory is allowed and is all fsync needs.
        int fd = Open(directory, ORdOnly | OCloExec, 0);
        if (fd < 0)
        {
            throw Failure($"cannot open directory '{directory}'");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw Failure($"cannot sync directory '{directory}'");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>rename(2): atomically replaces <paramref name="newPath"/> if it exists.</summary>
    public static void Rename(string oldPath, string newPath)
    {
        if (RenameNative(oldPath, newPath) != 0)
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
