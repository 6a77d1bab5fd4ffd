using System.Security.Cryptography;
using StorageFs.Interop;

namespace StorageFs.Core.Persistence;

/// <summary>
/// Crash-safe file replacement and removal in one directory. Invariant: after
/// <see cref="Replace"/> returns, the file holds the new bytes and survives a power loss;
/// at any earlier instant it holds the old bytes (or is absent), never a mix, because
/// the only step that touches the final name is rename(2), which POSIX makes atomic.
/// Order: write a temp file in the same directory, fsync it, rename over the final name,
/// fsync the directory (libvirt's virFileRewrite in src/util/virfile.c does the first
/// three but not the directory fsync, so a power cut can forget the rename).
/// A crash leaves at most a stray temp file named <see cref="TempPrefix"/>*, which no
/// definition name can collide with (names never start with '.').
/// </summary>
internal static class DurableFile
{
    public const string TempPrefix = ".tmp-";

    public static void Replace(string directory, string fileName, ReadOnlySpan<byte> content)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        string temp = Path.Combine(directory, TempPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
        string target = Path.Combine(directory, fileName);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            PersistenceNative.Rename(temp, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new StorageException(
                ErrorCode.OperationFailed,
                $"cannot write definition file '{target}': {e.Message}",
                OsErrno(e),
                e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        PersistenceNative.FsyncDirectory(directory);
    }

    /// <summary>Creates a directory (and parents) readable only by its owner, durably.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }

        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            PersistenceNative.FsyncDirectory(Path.GetDirectoryName(path) ?? path);
        }
    }

    /// <summary>Removes a file durably; false if it did not exist.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(ErrorCode.OperationFailed, $"cannot remove definition file '{path}': {e.Message}", OsErrno(e), e);
        }

        PersistenceNative.FsyncDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    /// <summary>Moves a file to another directory of the same filesystem, durably in both.</summary>
    public static void Move(string source, string destination)
    {
        PersistenceNative.Rename(source, destination);
        PersistenceNative.FsyncDirectory(Path.GetDirectoryName(destination)!);
        PersistenceNative.FsyncDirectory(Path.GetDirectoryName(source)!);
    }

    /// <summary>
    /// The errno a failed file operation carries: .NET puts it in an IOException's HResult
    /// (EMFILE when the descriptor table is full, ENOSPC, EROFS…), so the caller answers it
    /// rather than EIO.
    /// </summary>
    private static int? OsErrno(Exception e) => e switch
    {
        UnauthorizedAccessException => (int)Errno.EACCES,
        IOException io when io.HResult is > 0 and < 4096 => io.HResult,
        _ => null,
    };

    /// <summary>Best-effort removal of a temp file while another error is already propagating.</summary>
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure is the one worth reporting; Load removes strays later.
        }
    }
}
