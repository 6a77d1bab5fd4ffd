namespace StorageFs.Backends.Rbd;

/// <summary>
/// Keeps an image's resizes apart from its I/O without tying either to a thread: I/O enters
/// shared (<see cref="Enter"/> on the submitting thread, <see cref="Exit"/> from whichever thread
/// completes it, a librbd callback included), a resize enters exclusive and waits until nothing
/// is in flight. New I/O waits only while a resize runs.
/// </summary>
internal sealed class RbdIoGate
{
    private readonly object _sync = new();
    private int _inflight;
    private bool _exclusive;

    public void Enter()
    {
        lock (_sync)
        {
            while (_exclusive)
            {
                Monitor.Wait(_sync);
            }
            _inflight++;
        }
    }

    public void Exit()
    {
        lock (_sync)
        {
            if (--_inflight == 0 && _exclusive)
            {
                Monitor.PulseAll(_sync);
            }
        }
    }

    public void EnterExclusive()
    {
        lock (_sync)
        {
            while (_exclusive)
            {
                Monitor.Wait(_sync);
            }
            _exclusive = true;
            while (_inflight > 0)
            {
                Monitor.Wait(_sync);
            }
        }
    }

    public void ExitExclusive()
    {
        lock (_sync)
        {
            _exclusive = false;
            Monitor.PulseAll(_sync);
        }
    }
}
