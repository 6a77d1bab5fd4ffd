using StorageFs.Core.Driver;

namespace StorageFs.Vfs.Tree;

/// <summary>
/// A long command blocks its writer until the job ends (notes/ux.md B7). If the writer gets a
/// signal (Ctrl-C), the kernel sends FUSE INTERRUPT for the write: the job is cancelled and the
/// write fails with the job's error, EINTR (OperationAborted).
/// </summary>
internal static class JobWait
{
    /// <summary>Waits for <paramref name="job"/>, cancelling it on INTERRUPT; throws the job's error.</summary>
    public static void Wait(RequestContext ctx, StorageJob job)
    {
        using (ctx.Cancellation.Register(() => Cancel(job)))
            job.Wait();
    }

    // The job may end (and dispose its token source) between the status check in Cancel and
    // the cancellation itself; the INTERRUPT then has nothing left to do.
    private static void Cancel(StorageJob job)
    {
        try
        {
            job.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
