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
    /// Raises the limit as far as it goes: soft and hard to fs.nr_open when the process may raise
    /// its hard limit (root with CAP_SYS_RESOURCE: every item node the kernel remembers holds a
    /// descriptor, as in libfuse's passthrough_hp, which raises its limit for the same reason),
    /// else the soft limit to the hard one. Returns the soft limit before and after, and the hard
    /// limit; <paramref name="error"/> is setrlimit's errno when even the second raise failed.
    /// </summary>
    public static (ulong Before, ulong After, ulong Hard) Raise(out int error)
    {
        error = 0;
        if (Libc.Getrlimit(Libc.RLIMIT_NOFILE, out var l) != 0)
        {
            error = Libc.LastErrno;
            return (0, 0, 0);
        }
        ulong before = l.Cur;
        ulong nrOpen = NrOpen();
        var widest = new Libc.Rlimit { Cur = Math.Max(nrOpen, l.Max), Max = Math.Max(nrOpen, l.Max) };
        if (widest.Cur > l.Cur && Libc.Setrlimit(Libc.RLIMIT_NOFILE, in widest) != 0 && l.Cur < l.Max)
        {
            var raised = new Libc.Rlimit { Cur = l.Max, Max = l.Max };
            if (Libc.Setrlimit(Libc.RLIMIT_NOFILE, in raised) != 0)
                error = Libc.LastErrno;
        }
        var (after, hard) = Current();
        return (before, after, hard);
    }

    private static ulong NrOpen()
    {
        try
        {
            return ulong.TryParse(File.ReadAllText("/proc/sys/fs/nr_open").Trim(), System.Globalization.CultureInfo.InvariantCulture, out ulong n) ? n : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The descriptors kept for the process itself out of a table of <paramref name="soft"/>: an eighth, at least 256.</summary>
    public static long Reserve(ulong soft) => Math.Max(256, (long)Math.Min(soft, int.MaxValue) / 8);

    /// <summary>
    /// How many descriptors nodes may hold for themselves (an O_PATH descriptor per item node):
    /// the half of the table past the reserve that open handles do not get (<see cref="Budget"/>),
    /// so nodes and handles together never reach the reserve.
    /// </summary>
    public static long NodeDescriptors(ulong soft) =>
        Math.Max(1, ((long)Math.Min(soft, int.MaxValue) - Reserve(soft)) / 2);

    /// <summary>
    /// The handle limits for a soft descriptor limit of <paramref name="soft"/>. An eighth of the
    /// table (at least 256) is kept for the process itself: when the table is full the .NET
    /// runtime cannot start a thread (measured: Thread.Start throws OutOfMemoryException, and a
    /// thread the runtime needs for itself ends the process with "Out of memory."). A handle
    /// costs at most 2 descriptors (an open volume today: its backing file and the descriptor it
    /// was checked through), so all handles together get half of the rest, users other than root
    /// together a quarter (root keeps the other quarter), and one such user a sixteenth, unless
    /// <paramref name="perUser"/> says otherwise (0: no per-user limit; the shared ones stay).
    /// </summary>
    public static HandleBudget Budget(ulong soft, int? perUser)
    {
        long table = (long)Math.Min(soft, int.MaxValue);
        long reserve = Reserve(soft);
        long usable = Math.Max(0, table - reserve);
        int total = (int)Math.Max(1, usable / 2);
        int others = (int)Math.Max(1, usable / 4);
        int per = perUser ?? (int)Math.Max(1, usable / 16);
        // A configured per-user limit above the users' share widens the share, never the total.
        others = Math.Min(total, Math.Max(others, per));
        return new HandleBudget(per, others, total, (int)reserve);
    }
}
