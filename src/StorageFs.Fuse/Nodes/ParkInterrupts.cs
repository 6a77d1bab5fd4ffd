namespace StorageFs.Fuse.Nodes;

/// <summary>
/// Which FUSE INTERRUPTs end a parked request with EINTR. The kernel sends INTERRUPT for any
/// signal the caller takes while waiting (fs/fuse/dev.c request_wait_answer), a shell's SIGCHLD
/// included, and then waits uninterruptibly for the answer.
/// </summary>
public enum ParkInterrupts
{
    /// <summary>Any signal: for waits that lose nothing when cut short (an events read, a job wait, a lock wait).</summary>
    Any,

    /// <summary>
    /// Only a dying caller (SIGKILL pending): for requests that change things and run on
    /// regardless (a ctl command), so a stray signal does not turn a completed command into
    /// EINTR, while a killed caller is still released at once.
    /// </summary>
    FatalOnly,
}
