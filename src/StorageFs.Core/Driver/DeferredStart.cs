namespace StorageFs.Core.Driver;

/// <summary>
/// The start of a pool loaded at start-up, run once by whoever needs the pool first: a
/// background worker, or a request for that very pool, which so never waits behind the other
/// pools still queued. Every other caller waits until it has run. The running thread's own
/// nested calls (event handlers reading the pool while it starts) pass through.
/// </summary>
internal sealed class DeferredStart
{
    private readonly ManualResetEventSlim _done = new(false);
    private int _claimed;
    private volatile int _runner;

    /// <summary>Runs <paramref name="start"/> if no one has yet, else waits until it has run.</summary>
    public void RunOrWait(Action start)
    {
        if (_done.IsSet)
        {
            return;
        }
        if (Interlocked.Exchange(ref _claimed, 1) == 0)
        {
            _runner = Environment.CurrentManagedThreadId;
            try
            {
                start();
            }
            finally
            {
                _done.Set();
            }
            return;
        }
        if (_runner != Environment.CurrentManagedThreadId)
        {
            _done.Wait();
        }
    }
}
