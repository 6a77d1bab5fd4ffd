using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using StorageFs.Interop;

namespace StorageFs.Daemon;

/// <summary>
/// One daemon per state directory: an exclusive flock(2) on <c>STATE_DIR/lock</c>, held for the
/// daemon's life (the kernel drops it when the process dies, so a crash leaves no stale lock).
/// The file holds the holder's pid, for the refusal message.
/// </summary>
internal sealed class StateLock : IDisposable
{
    private readonly SafeFileHandle _file;

    private StateLock(SafeFileHandle file) => _file = file;

    /// <summary>The lock file of a state directory.</summary>
    public static string PathFor(string stateDir) => Path.Combine(stateDir, "lock");

    /// <summary>Takes the lock, or returns null and the holder's pid (0 when unknown).</summary>
    /// <remarks>Opened with open(2), not FileStream: .NET's own advisory locks on FileStream
    /// would collide with this flock. O_CLOEXEC keeps it out of the tools the daemon runs.</remarks>
    public static StateLock? TryTake(string stateDir, out int holder)
    {
        holder = 0;
        string path = PathFor(stateDir);
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_100_100);
        if (fd < 0)
            throw new IOException($"cannot open the state lock {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        var file = new SafeFileHandle(fd, ownsHandle: true);
        if (Libc.Flock((int)file.DangerousGetHandle(), Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            var buffer = new byte[32];
            int n = RandomAccess.Read(file, buffer, 0);
            _ = int.TryParse(System.Text.Encoding.ASCII.GetString(buffer, 0, n).Trim(), out holder);
            file.Dispose();
            return null;
        }
        RandomAccess.SetLength(file, 0);
        RandomAccess.Write(file, System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId + "\n"), 0);
        return new StateLock(file);
    }

    public void Dispose() => _file.Dispose();
}
