namespace StorageFs.Fuse.Session;

/// <summary>
/// The process's descriptor limit (RLIMIT_NOFILE). A server holds descriptors for its callers
/// (a backing file per open volume or item file), so it runs with the soft limit raised to the
/// hard one. The .NET runtime raises it too when it starts (its PAL does, measured here), but
/// that is the runtime's choice, not a contract: the daemon does it itself and logs both.
/// </summary>
public static class DescriptorLimit
{
    /// <summary>The soft and hard limits now; (0, 0) when getrlimit fails.</summary>
    public static (ulong Soft, ulong Hard) Current() =>
        Libc.Getrlimit(Libc.RLIMIT_NOFILE, out var l) == 0 ? (l.Cur, l.Max) : (0, 0);

    /// <summary>
    /// Raises the soft limit to the hard limit. Returns the soft limit before and after, and the
    /// hard limit; <paramref name="error"/> is setrlimit's errno when the raise failed (0 otherwise).
    /// </summary>
    public static (ulong Before, ulong After, ulong Hard) RaiseToHard(out int error)
    {
        error = 0;
        if (Libc.Getrlimit(Libc.RLIMIT_NOFILE, out var l) != 0)
        {
            error = Libc.LastErrno;
            return (0, 0, 0);
        }
        ulong before = l.Cur;
        if (l.Cur < l.Max)
        {
            var raised = new Libc.Rlimit { Cur = l.Max, Max = l.Max };
            if (Libc.Setrlimit(Libc.RLIMIT_NOFILE, in raised) != 0)
                error = Libc.LastErrno;
        }
        var (after, hard) = Current();
        return (before, after, hard);
    }
}
