namespace StorageFs.Core.Driver;

public sealed partial class StorageDriver
{
    // Pulsed whenever an open of a volume ends; the waiters of Settled sleep on it.
    private readonly object _openEnded = new();
    private int _settling;
    private int _openEndCount;

    /// <summary>How long a change refused only because the volume is open waits for that open
    /// to end before the refusal stands (<see cref="Settled{T}"/>).</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs <paramref name="change"/>; while it is refused only because the volume is open
    /// (<see cref="StorageException.WhileOpen"/>), waits for an open to end and runs it again,
    /// for at most <paramref name="within"/> (default <see cref="SettleTime"/>). A process that
    /// writes a volume and then writes a command to its <c>ctl</c> has closed the file, but the
    /// kernel delivers the file's release to the daemon after close() returns: without this the
    /// command would meet the closing open and fail EBUSY now and then. A volume that stays open
    /// still fails, after the wait. Each refused attempt changed nothing (the checks come first),
    /// so running it again is safe. Called on a command's own thread, never a FUSE reader's.
    /// </summary>
    public T Settled<T>(Func<T> change, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? SettleTime);
        while (true)
        {
            int ended = Volatile.Read(ref _openEndCount);
            try
            {
                return change();
            }
            catch (StorageException e) when (e.WhileOpen && DateTime.UtcNow < deadline)
            {
                WaitForOpenEnd(ended, deadline);
            }
        }
    }

    // Sleeps until an open has ended since `seen` was read (or the deadline).
    private void WaitForOpenEnd(int seen, DateTime deadline)
    {
        Interlocked.Increment(ref _settling);
        try
        {
            lock (_openEnded)
            {
                while (Volatile.Read(ref _openEndCount) == seen)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                        return;
                    Monitor.Wait(_openEnded, left);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _settling);
        }
    }

    // An open of a volume ended: wakes the changes waiting for one (cheap when none waits).
    private void OpenEnded()
    {
        Interlocked.Increment(ref _openEndCount);
        if (Volatile.Read(ref _settling) == 0)
            return;
        lock (_openEnded)
            Monitor.PulseAll(_openEnded);
    }
}
