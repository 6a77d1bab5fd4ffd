namespace StorageFs.Fuse.Nodes;

/// <summary>
/// A kernel poll handle (<c>fuse_poll_in.kh</c>). <see cref="Wake"/> sends FUSE_NOTIFY_POLL so
/// the kernel re-polls; waking twice is harmless.
/// </summary>
public sealed class PollWaiter
{
    private readonly Notifier _notifier;

    internal PollWaiter(Notifier notifier, ulong kernelHandle)
    {
        _notifier = notifier;
        KernelHandle = kernelHandle;
    }

    public ulong KernelHandle { get; }

    public Errno Wake() => _notifier.PollWakeup(KernelHandle);
}
