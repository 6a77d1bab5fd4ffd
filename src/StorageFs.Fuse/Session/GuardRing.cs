namespace StorageFs.Fuse.Session;

/// <summary>
/// An io_uring of the process's own that never receives work: a poll for input on its
/// descriptor never completes, and since it is an io_uring descriptor the kernel tracks such a
/// poll as in flight for the thread that submitted it (io_uring/io_uring.c
/// io_file_get_normal). That makes the thread's exit cancel its io_uring commands (see
/// UringQueue.TryCommitHere). Created on first use, kept for the process's life.
/// </summary>
internal static unsafe class GuardRing
{
    private static readonly Lazy<int> s_fd = new(Create);

    /// <summary>The descriptor, or -1 when io_uring_setup refused one.</summary>
    public static int Fd => s_fd.Value;

    private static int Create()
    {
        var p = new IoUring.Params();
        return IoUring.Setup(1, &p);
    }
}
