using System.Globalization;

namespace StorageFs.Fuse.Protocol;

/// <summary>What the daemon can see of a requesting thread through /proc (its pid is the thread id, fuse_in_header.pid).</summary>
internal static class Callers
{
    private const ulong SigKill = 1UL << (9 - 1);

    /// <summary>
    /// True when the thread is gone or has SIGKILL pending: a fatal signal (kill -9, or a signal
    /// whose default action terminates and that has no handler) is turned into SIGKILL for every
    /// thread of the group (kernel/signal.c complete_signal), so the caller is dying and an
    /// answer to its request no longer matters.
    /// </summary>
    public static bool IsDying(uint pid)
    {
        if (pid == 0)
            return false;
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status");
        }
        catch (IOException)
        {
            return true; // gone
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if ((line.StartsWith("SigPnd:") || line.StartsWith("ShdPnd:")) &&
                ulong.TryParse(line[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong mask) &&
                (mask & SigKill) != 0)
                return true;
        }
        return false;
    }
}
